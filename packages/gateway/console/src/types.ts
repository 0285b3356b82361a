import type { operations } from '@relaykit/client';

/**
 * Shapes of the operator API the console reads, as `@relaykit/client` generates them from the OpenAPI document (which
 * the gateway generates from the zod schemas that validate and answer): one source, types only, nothing bundled.
 * `Answer<operationId, status?, mediaType?>` is the body of one answer.
 */
export type Answer<K extends keyof operations, S extends number = 200, M extends string = 'application/json'> =
  operations[K]['responses'] extends Record<S, { content: Record<M, infer T> }>
    ? T
    : // Not `never` (any property of which would compile): using a field of an answer the route lacks fails to build.
      { 'no such answer (operation, status, media type)': [K, S, M] };

/** Who is logged in, their permissions and the CSRF token (`POST /v1/admin/login`, `GET /v1/admin/me`). */
export type Me = Answer<'console.me'>;

/** A job in the operator list (`GET /v1/admin/jobs`). */
export type JobSummary = Answer<'admin.jobs.list'>['jobs'][number];

/** A job with its attempts, input and result (`GET /v1/admin/jobs/{id}`). */
export type JobDetail = Answer<'admin.jobs.get'>;

/** A group of failures by fingerprint (`GET /v1/admin/errors`). */
export type ErrorGroup = Answer<'admin.errors.list'>['groups'][number];

/** One minute of job outcomes (`GET /v1/admin/stats/timeseries`, and the live stream's `jobs`). */
export type Bucket = Answer<'stats.timeseries'>['buckets'][number];

/** A `stats` event of the live stream (`GET /v1/admin/stream`). */
export type LiveStats = Answer<'stream', 200, 'text/event-stream'>;

/** An API key as the operator API shows it (`GET /v1/admin/keys`). */
export type ApiKey = Answer<'keys.list'>['keys'][number];

/** An entry of the audit log (`GET /v1/admin/audit`). */
export type AuditEntry = Answer<'audit.list'>['entries'][number];

/** A schedule (`GET /v1/admin/schedules/{id}`). */
export type Schedule = Answer<'admin.schedules.get'>;

/** The answer of "run now" (`POST /v1/admin/schedules/{id}/run`). */
export type ScheduleRunNow = Answer<'admin.schedules.run', 202>;
