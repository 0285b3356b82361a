import { inSpan, SpanKind } from '@relaykit/sdk-core';
import type { JobAttempt, JobRecord } from '../store/types.js';
import { queueNameOf } from '../runtime/instances.js';
import type { JobSettled } from '../runtime/runner.js';
import type { HttpDeps } from './types.js';

export { isJobId, newJobId } from '../store/job-id.js';

/** The public view of a job. */
export function jobView(job: JobRecord, attempts?: JobAttempt[]): Record<string, unknown> {
  return {
    id: job.id,
    kind: job.kind,
    instance: job.instance,
    operation: job.operation,
    environment: job.environment,
    status: job.status,
    attempts: attempts ?? [],
    attemptCount: job.attempts,
    maxAttempts: job.maxAttempts,
    result: job.status === 'succeeded' ? job.result : null,
    error: job.error,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    finishedAt: job.finishedAt,
    nextAttemptAt: job.status === 'retrying' || job.status === 'queued' ? job.runAfter : null,
    links: { self: `/v1/jobs/${job.id}` },
  };
}

const FINAL = new Set(['succeeded', 'failed', 'dead', 'cancelled']);

/**
 * Waits up to `ms` for a job to reach a final status; returns it when it did. Shutdown ends the
 * wait early (the caller answers 202 with the id) so the answer goes out before connections close.
 */
export async function waitForJob(deps: HttpDeps, id: string, ms: number): Promise<JobRecord | undefined> {
  const deadline = Date.now() + ms;
  let wake: (() => void) | undefined;
  const onSettled = (event: JobSettled) => {
    if (event.id === id) wake?.();
  };
  const onShutdown = () => wake?.();
  deps.runner?.events.on('settled', onSettled);
  deps.shutdown?.addEventListener('abort', onShutdown);
  try {
    for (;;) {
      const job = await deps.store.get(id);
      if (job && FINAL.has(job.status)) return job;
      const left = deadline - Date.now();
      if (left <= 0 || deps.shutdown?.aborted) return undefined;
      // In-process workers wake us at once; otherwise poll (another process runs the job).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, deps.runner ? 1000 : 100));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    deps.runner?.events.off('settled', onSettled);
    deps.shutdown?.removeEventListener('abort', onShutdown);
  }
}

/** Enqueues freshly recorded jobs; a queue failure is logged, not fatal: the job is recorded and the reconciler will enqueue it. */
export async function enqueueRecorded(
  deps: HttpDeps,
  jobs: Array<{ id: string; instance: string }>,
  runAfter?: Date,
): Promise<void> {
  const byInstance = new Map<string, string[]>();
  for (const job of jobs) byInstance.set(job.instance, [...(byInstance.get(job.instance) ?? []), job.id]);
  for (const [instance, ids] of byInstance) {
    try {
      await inSpan(
        `enqueue ${queueNameOf(instance)}`,
        {
          kind: SpanKind.PRODUCER,
          tracer: '@relaykit/gateway',
          attributes: {
            'messaging.destination.name': queueNameOf(instance),
            'messaging.batch.message_count': ids.length,
          },
        },
        () =>
          deps.queue.enqueue(
            queueNameOf(instance),
            ids.map((jobId) => ({ jobId, attempt: 0 })),
            // A delayed job waits in the queue's delayed set; if Redis loses it, the reconciler re-sends it once due.
            runAfter ? { delayMs: Math.max(0, runAfter.getTime() - Date.now()) } : {},
          ),
      );
    } catch (error) {
      deps.logger.warn(
        { err: String(error), instance, count: ids.length },
        'enqueue failed; the reconciler will re-send these recorded jobs',
      );
    }
  }
}
