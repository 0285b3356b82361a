import type { Logger } from '@relaykit/sdk-core';
import type { JobQueue } from '../queue/types.js';
import { queueNameOf } from '../runtime/instances.js';
import type { ScheduleMetrics } from './metrics.js';
import type { FirePass, FiredJob, ScheduleStore } from './store.js';

/** Enqueues fired jobs; a queue failure is logged: the jobs are recorded and the reconciler re-sends them. */
export async function enqueueFired(queue: JobQueue, logger: Logger, jobs: FiredJob[]): Promise<void> {
  const byInstance = new Map<string, string[]>();
  for (const job of jobs) byInstance.set(job.instance, [...(byInstance.get(job.instance) ?? []), job.jobId]);
  for (const [instance, ids] of byInstance) {
    await queue
      .enqueue(
        queueNameOf(instance),
        ids.map((jobId) => ({ jobId, attempt: 0 })),
      )
      .catch((err: unknown) =>
        logger.warn(
          { err: String(err), instance, count: ids.length },
          'enqueue of scheduled jobs failed; the reconciler will re-send them',
        ),
      );
  }
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  store: ScheduleStore;
  queue: JobQueue;
  logger: Logger;
  metrics?: ScheduleMetrics | undefined;
  /** Instances whose schedules this process fires. */
  instances: string[];
  maxAttempts: (instance: string) => number;
  /** How often due schedules are looked for (default 1 s). A dead process's fires are taken over within 2 × tick. */
  tickMs?: number;
  /** Schedules locked per pass; a full batch is followed by another pass at once. */
  batch?: number;
  /** Run rows older than this are deleted (checked once a minute); 0 keeps them. */
  runRetentionMs?: number;
  /** Injected clock (tests); default: the database's clock, the same for every process. */
  clock?: (() => Date) | undefined;
}

/**
 * The scheduling loop of one process. Every process that runs workers runs one; they share the due
 * schedules through row locks, and the run table's unique key makes each fire time one job whatever
 * the number of processes or the skew of their clocks.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<FirePass[]> | undefined;
  private stopped = true;
  private lastPrune = Date.now();
  readonly tickMs: number;

  constructor(private readonly options: SchedulerOptions) {
    this.tickMs = options.tickMs ?? 1000;
  }

  /** One pass (repeated while batches come back full); resolves with what each batch did. */
  async runOnce(): Promise<FirePass[]> {
    if (this.running) return this.running;
    this.running = this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<FirePass[]> {
    const { store, metrics } = this.options;
    const batch = this.options.batch ?? 500;
    const passes: FirePass[] = [];
    for (let i = 0; i < 100; i++) {
      const result = await store.fireDue({
        instances: this.options.instances,
        maxAttempts: this.options.maxAttempts,
        batch,
        ...(this.options.clock ? { now: this.options.clock() } : {}),
        lockTimeoutMs: Math.max(2000, this.tickMs * 2),
      });
      passes.push(result);
      await this.enqueue(result.jobs);
      for (const [instance, outcomes] of Object.entries(result.byInstance))
        for (const [outcome, count] of Object.entries(outcomes)) metrics?.runs.inc({ instance, outcome }, count);
      for (const job of result.jobs) metrics?.lag.observe({ instance: job.instance }, job.lagMs / 1000);
      if (result.schedules < batch || this.stopped) break;
    }
    const retention = this.options.runRetentionMs ?? 0;
    if (retention > 0 && Date.now() - this.lastPrune > 60_000) {
      this.lastPrune = Date.now();
      const pruned = await store.pruneRuns(retention);
      if (pruned) this.options.logger.debug({ pruned }, 'old schedule runs deleted');
    }
    return passes;
  }

  enqueue(jobs: FiredJob[]): Promise<void> {
    return enqueueFired(this.options.queue, this.options.logger, jobs);
  }

  /** Starts ticking, aligned to the tick (a one-second cron is looked at just after each second). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    const wait = this.tickMs - (now % this.tickMs) + 5;
    this.timer = setTimeout(() => {
      void this.runOnce()
        .then(
          () => this.options.metrics?.passes.inc({ result: 'ok' }),
          (err: unknown) => {
            this.options.metrics?.passes.inc({ result: 'failed' });
            this.options.logger.warn({ err: String(err) }, 'scheduler pass failed');
          },
        )
        .finally(() => this.schedule());
    }, wait);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
