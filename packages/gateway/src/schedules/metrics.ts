import { Counter, Histogram, type Registry } from 'prom-client';

/** Scheduler metrics, registered on the gateway's registry. */
export class ScheduleMetrics {
  readonly runs: Counter<'instance' | 'outcome'>;
  readonly lag: Histogram<'instance'>;
  readonly passes: Counter<'result'>;

  constructor(registry: Registry) {
    this.runs = new Counter({
      name: 'relaykit_schedule_runs_total',
      help: 'Schedule fire times by instance and outcome (fired, manual, skipped_overlap, missed, expired)',
      labelNames: ['instance', 'outcome'] as const,
      registers: [registry],
    });
    this.lag = new Histogram({
      name: 'relaykit_schedule_fire_lag_seconds',
      help: "Time from a fire's due time to its job being recorded",
      labelNames: ['instance'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 120],
      registers: [registry],
    });
    this.passes = new Counter({
      name: 'relaykit_scheduler_passes_total',
      help: 'Scheduler passes by result (ok, failed)',
      labelNames: ['result'] as const,
      registers: [registry],
    });
  }
}
