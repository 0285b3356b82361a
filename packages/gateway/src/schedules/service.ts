import type { Logger } from '@relaykit/sdk-core';
import type { GatewayConfig } from '../config/schema.js';
import type { JobQueue } from '../queue/types.js';
import type { LoadedInstance } from '../runtime/instances.js';
import type { GatewayMetrics } from '../runtime/metrics.js';
import type { PayloadCodec } from '../store/codec.js';
import type { SqlClient } from '../store/sql.js';
import { declaredSchedules } from './declared.js';
import { ScheduleMetrics } from './metrics.js';
import { Scheduler, enqueueFired } from './scheduler.js';
import { ScheduleStore, type FiredJob } from './store.js';

/** The schedules feature of one gateway process: the store, the declared schedules' sync and (with workers) the loop. */
export class ScheduleService {
  readonly store: ScheduleStore;
  readonly metrics: ScheduleMetrics;
  readonly scheduler: Scheduler | undefined;

  constructor(
    private readonly options: {
      config: GatewayConfig;
      sql: SqlClient;
      codec: PayloadCodec;
      queue: JobQueue;
      instances: Map<string, LoadedInstance>;
      metrics: GatewayMetrics;
      logger: Logger;
      /** Run the scheduling loop in this process (processes with workers do). */
      loop: boolean;
      clock?: (() => Date) | undefined;
    },
  ) {
    this.store = new ScheduleStore(options.sql, options.codec);
    this.metrics = new ScheduleMetrics(options.metrics.registry);
    const { scheduler } = options.config;
    this.scheduler =
      options.loop && scheduler.enabled
        ? new Scheduler({
            store: this.store,
            queue: options.queue,
            logger: options.logger,
            metrics: this.metrics,
            instances: [...options.instances.keys()],
            maxAttempts: (name) => this.maxAttempts(name),
            tickMs: scheduler.tick,
            runRetentionMs: scheduler.runRetention,
            batch: scheduler.batch,
            clock: options.clock,
          })
        : undefined;
  }

  /** Attempts a scheduled job of `instance` gets (its retry policy). */
  maxAttempts(instance: string): number {
    return this.options.instances.get(instance)?.config.retry.attempts ?? 1;
  }

  /** Validates the declared schedules (throws a ConfigError listing every problem) and writes them. */
  async syncDeclared(): Promise<void> {
    const specs = declaredSchedules(this.options.instances);
    await this.store.syncDeclared(specs, [...this.options.instances.keys()], this.options.clock?.() ?? new Date());
  }

  /** Enqueues jobs fired outside the loop ("run now"). */
  enqueue(jobs: FiredJob[]): Promise<void> {
    return enqueueFired(this.options.queue, this.options.logger, jobs);
  }

  start(): void {
    this.scheduler?.start();
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
  }
}
