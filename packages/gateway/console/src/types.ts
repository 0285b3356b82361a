import type { operations } from '@relaykit/client';

/** Shapes of the operator API the console reads (see /openapi.json). */
export type JobStatus = 'queued' | 'active' | 'retrying' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

export interface JobError {
  code: string;
  message: string;
}

export interface JobSummary {
  id: string;
  instance: string;
  operation: string;
  status: JobStatus;
  attemptCount: number;
  maxAttempts: number;
  error: JobError | null;
  idempotencyKey: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface Attempt {
  attempt: number;
  outcome: string;
  startedAt: string;
  durationMs: number | null;
  error: JobError | null;
  upstreamStatus: number | null;
}

export interface JobDetail extends JobSummary {
  attempts: Attempt[];
  input: unknown;
  result: unknown;
  masked: boolean;
}

export interface ErrorGroup {
  fingerprint: string;
  instance: string;
  operation: string;
  code: string;
  message: string;
  sampleMessage: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  sampleJobIds: string[];
  status: 'open' | 'acknowledged' | 'resolved';
  statusBy: string | null;
  statusNote: string | null;
  reopened: number;
}

export interface Bucket {
  start: string;
  succeeded: number;
  failed: number;
  dead: number;
  retrying: number;
}

export interface LiveStats {
  at: string;
  jobs: Bucket[];
  instances: Array<{
    name: string;
    healthy: boolean | null;
    circuits: Record<string, string>;
    queue: { waiting: number; active: number; delayed: number; failed: number } | null;
  }>;
}

export interface ApiKey {
  id: string;
  name: string;
  environment: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt?: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string | null;
  method: string;
  path: string;
  operation: string | null;
  instance: string | null;
  status: number;
}

export interface User {
  id: string;
  name: string;
  role: string;
  lastLoginAt: string | null;
  lockedUntil: string | null;
}

/** The JSON answer of an operator route, as `@relaykit/client` generates it from the OpenAPI document. */
type Answer<K extends keyof operations, S extends number = 200> =
  operations[K]['responses'] extends Record<S, { content: { 'application/json': infer T } }> ? T : never;

/** A schedule (`GET /v1/admin/schedules/{id}`). */
export type Schedule = Answer<'admin.schedules.get'>;

/** One run of a schedule (`GET /v1/admin/schedules/{id}/runs`). */
export type ScheduleRun = Answer<'admin.schedules.runs'>['runs'][number];

/** The answer of "run now" (`POST /v1/admin/schedules/{id}/run`). */
export type ScheduleRunNow = Answer<'admin.schedules.run', 202>;
