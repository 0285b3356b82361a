import type { Logger } from '@relaykit/sdk-core';
import type { JobQueue } from '../queue/types.js';
import type { JobStore } from '../store/job-store.js';
import { queueNameOf } from './instances.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * Re-enqueues accepted jobs the queue may have lost (Redis restarted without persistence, an
 * in-memory queue after a restart). Safe to run anywhere, any number of times: queue ids are
 * deterministic so a message still queued is not duplicated, and claiming a job is atomic.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly options: {
      store: JobStore;
      queue: JobQueue;
      logger: Logger;
      metrics?: GatewayMetrics;
      intervalMs: number;
      graceMs: number;
      instances: ReadonlySet<string>;
    },
  ) {}

  /** One pass: returns how many jobs were re-enqueued. */
  async runOnce(graceMs = this.options.graceMs): Promise<number> {
    if (this.running) return this.running;
    this.running = (async () => {
      const open = (await this.options.store.findOpen(graceMs)).filter((j) => this.options.instances.has(j.instance));
      const byInstance = new Map<string, typeof open>();
      for (const job of open) byInstance.set(job.instance, [...(byInstance.get(job.instance) ?? []), job]);
      for (const [instance, jobs] of byInstance) {
        await this.options.queue.enqueue(
          queueNameOf(instance),
          jobs.map((j) => ({ jobId: j.id, attempt: j.attempts })),
        );
      }
      if (open.length) {
        this.options.metrics?.reconciled.inc(open.length);
        this.options.logger.info({ count: open.length }, 'reconciler re-enqueued open jobs');
      }
      return open.length;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () =>
        void this.runOnce().catch((err: unknown) =>
          this.options.logger.warn({ err: String(err) }, 'reconciler pass failed'),
        ),
      this.options.intervalMs,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
