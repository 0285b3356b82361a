import { z } from 'zod';
import { problem } from '../errors/index.js';
import { isJobId } from '../store/job-id.js';
import type { HttpDeps } from '../http/types.js';
import { queueNameOf } from '../runtime/instances.js';
import type { JobAttempt, JobError } from '../store/types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { JobFilterBody, JobListQuery } from './job-filter.js';
import { OpsJobQueries } from './job-queries.js';
import { BulkRetryView, JobActionView, JobDetailView, JobIdParams, JobPage, type AttemptView } from './job-schemas.js';
import { maskPayload } from './masking.js';
import { defineRoute, type Route } from '../http/route.js';

const tags = ['operator: jobs'];
/** Jobs changed by one statement of a bulk retry. */
const RETRY_BATCH = 500;

const queries = (deps: HttpDeps) => new OpsJobQueries(deps.sql);

/** An id that cannot be a job's is a 404 like a missing job, before SQL sees it. */
function jobId(id: string): string {
  if (!isJobId(id)) throw problem('NOT_FOUND', 'No such job.');
  return id;
}

const upstreamStatus = (error: JobError | null): number | null => {
  const status = error?.details?.status;
  return typeof status === 'number' && Number.isInteger(status) ? status : null;
};

function attemptView(a: JobAttempt): z.output<typeof AttemptView> {
  return {
    attempt: a.attempt,
    worker: a.worker,
    outcome: a.outcome,
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
    durationMs: a.finishedAt ? Date.parse(a.finishedAt) - Date.parse(a.startedAt) : null,
    error: a.error,
    upstreamStatus: upstreamStatus(a.error),
  };
}

/** Puts retried jobs back on their queues; a queue failure is left to the reconciler (the rows are queued). */
export async function enqueueRetried(deps: HttpDeps, jobs: Array<{ id: string; instance: string; attempts: number }>) {
  const byInstance = new Map<string, typeof jobs>();
  for (const job of jobs) byInstance.set(job.instance, [...(byInstance.get(job.instance) ?? []), job]);
  for (const [instance, list] of byInstance) {
    await deps.queue
      .enqueue(
        queueNameOf(instance),
        // A tag of its own: the queue must not take this for the message of an earlier run of the same attempt.
        list.map((j) => ({ jobId: j.id, attempt: j.attempts, tag: `r${Date.now().toString(36)}` })),
      )
      .catch((err: unknown) =>
        deps.logger.warn({ err: String(err), instance }, 'enqueue of retried jobs failed; the reconciler will'),
      );
  }
}

/** The operator routes for jobs: list and search, detail, cancel, retry, bulk retry. */
export const JOB_ROUTES: Route[] = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/jobs',
    operationId: 'admin.jobs.list',
    summary: 'List and search jobs of the caller’s environment, newest first (cursor pagination)',
    permission: 'admin:read',
    tags,
    query: JobListQuery,
    response: JobPage,
    errors: [403],
    async handler({ deps, principal, query }) {
      const { limit, cursor, ...filter } = query;
      const page = await queries(deps).list(principal.environment, filter, {
        limit,
        after: cursor ? decodeCursor(cursor) : undefined,
      });
      return { jobs: page.jobs, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/jobs/{id}',
    operationId: 'admin.jobs.get',
    summary: 'A job with every attempt, its input and result (masked; `?reveal=true` needs admin:reveal)',
    permission: 'admin:read',
    tags,
    params: JobIdParams,
    query: z.object({
      reveal: z.enum(['true', 'false']).default('false').describe('Show clear values (needs admin:reveal; audited)'),
    }),
    response: JobDetailView,
    errors: [404],
    async handler({ deps, principal, params, query, require, audit }) {
      const id = jobId(params.id);
      const reveal = query.reveal === 'true';
      if (reveal) await require('admin:reveal');
      const job = await deps.store.get(id);
      if (!job || job.environment !== principal.environment) throw problem('NOT_FOUND', `No job ${id}.`);
      audit({ reveal }, id);
      return {
        id: job.id,
        kind: job.kind,
        environment: job.environment,
        instance: job.instance,
        operation: job.operation,
        status: job.status,
        attemptCount: job.attempts,
        maxAttempts: job.maxAttempts,
        error: job.error,
        idempotencyKey: job.idempotencyKey,
        createdAt: job.createdAt,
        updatedAt: job.updatedAt,
        finishedAt: job.finishedAt,
        attempts: (await deps.store.attempts(id)).map(attemptView),
        input: maskPayload(job.input, reveal),
        result: maskPayload(job.result, reveal),
        masked: !reveal,
        nextAttemptAt: job.status === 'retrying' || job.status === 'queued' ? job.runAfter : null,
        retriedFromAttempt: job.attemptBase,
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/jobs/{id}/cancel',
    operationId: 'admin.jobs.cancel',
    summary: 'Cancel a queued (or delayed) or retrying job: it is never run afterwards',
    permission: 'admin:operate',
    tags,
    params: JobIdParams,
    response: JobActionView,
    errors: [404, 409],
    async handler({ deps, principal, params, audit }) {
      const id = jobId(params.id);
      audit({}, id);
      const outcome = await queries(deps).cancel(principal.environment, id, `${principal.kind} ${principal.id}`);
      if (outcome.cancelled) return { id, status: 'cancelled' as const };
      if (!outcome.status) throw problem('NOT_FOUND', `No job ${id}.`);
      throw problem(
        'NOT_CANCELLABLE',
        `Job ${id} is ${outcome.status}; only a queued or retrying job can be cancelled.`,
        {
          extensions: { status: outcome.status },
        },
      );
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/jobs/{id}/retry',
    operationId: 'admin.jobs.retry',
    summary: 'Retry a failed or dead job now, with a fresh attempt budget (earlier attempts stay in its history)',
    permission: 'admin:operate',
    tags,
    params: JobIdParams,
    response: JobActionView,
    errors: [404, 409],
    async handler({ deps, principal, params, audit }) {
      const id = jobId(params.id);
      audit({}, id);
      const q = queries(deps);
      const retried = await q.retry(principal.environment, [id]);
      if (retried.length) {
        await enqueueRetried(deps, retried);
        return { id, status: 'queued' as const };
      }
      const status = await q.statusOf(principal.environment, id);
      if (!status) throw problem('NOT_FOUND', `No job ${id}.`);
      throw problem('NOT_RETRYABLE', `Job ${id} is ${status}; only a failed or dead job can be retried.`, {
        extensions: { status },
      });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/jobs/retry',
    operationId: 'admin.jobs.retryMatching',
    summary: 'Retry every failed or dead job matching a filter (`dryRun: true` only counts them)',
    description:
      'Jobs are changed in batches of 500; `status` in the filter may narrow to `failed` or `dead` (other statuses match nothing). Send `dryRun: true` first to see how many jobs a filter matches.',
    permission: 'admin:operate',
    tags,
    body: z.strictObject({ filter: JobFilterBody, dryRun: z.boolean().default(false) }),
    example: { filter: { status: ['dead'], instance: 'sf-prod', errorCode: 'UPSTREAM_UNAVAILABLE' }, dryRun: true },
    response: BulkRetryView,
    async handler({ deps, principal, body, audit }) {
      const q = queries(deps);
      const statuses = (body.filter.status ?? ['failed', 'dead']).filter((s) => s === 'failed' || s === 'dead');
      const matched = statuses.length ? await q.count(principal.environment, { ...body.filter, status: statuses }) : 0;
      audit({ filter: body.filter, dryRun: body.dryRun, matched });
      if (body.dryRun) return { matched, retried: 0, dryRun: true };
      let retried = 0;
      let after: Parameters<typeof q.retryableIds>[3];
      do {
        const batch = await q.retryableIds(principal.environment, body.filter, RETRY_BATCH, after);
        const changed = await q.retry(principal.environment, batch.ids);
        await enqueueRetried(deps, changed);
        retried += changed.length;
        after = batch.next;
      } while (after);
      audit({ retried });
      return { matched, retried, dryRun: false };
    },
  }),
];
