// The chaos suite's profiles. `short` runs in `npm test` (about a minute); `long` is the acceptance run.
import type { ChaosOptions } from './driver.js';

export type ProfileName = 'short' | 'long';

export const profiles: Record<ProfileName, Omit<ChaosOptions, 'log' | 'postgresUrl'>> = {
  short: {
    profile: 'short',
    workers: 2,
    rate: 20,
    submitMs: 30_000,
    leaseMs: 1500,
    concurrency: 8,
    drainTimeoutMs: 60_000,
    faults: [
      // First: a request in flight when the API dies keeps its Idempotency-Key locked for a minute, and the client
      // waits that out before it knows the outcome.
      { at: 1_500, kind: 'api-kill' },
      { at: 4_000, kind: 'worker-kill' },
      { at: 6_000, kind: 'worker-freeze', ms: 3_500 },
      { at: 11_000, kind: 'redis-restart' },
      { at: 13_000, kind: 'redis-down', ms: 5_000, startWorkerAfterMs: 1_500 },
      { at: 20_000, kind: 'upstream-503', ms: 2_000, share: 0.5 },
      { at: 22_500, kind: 'upstream-429', ms: 2_000, share: 0.5 },
      { at: 25_000, kind: 'upstream-latency', ms: 2_000, latencyMs: 300 },
      { at: 27_500, kind: 'api-term' },
    ],
  },
  long: {
    profile: 'long',
    workers: 3,
    rate: 50,
    submitMs: 240_000,
    leaseMs: 5_000,
    concurrency: 16,
    drainTimeoutMs: 180_000,
    faults: [
      { at: 10_000, kind: 'worker-kill' },
      { at: 20_000, kind: 'worker-freeze', ms: 12_000 },
      { at: 40_000, kind: 'redis-restart' },
      // Longer than a minute; a worker and the API are started while it is down.
      { at: 50_000, kind: 'redis-down', ms: 65_000, startWorkerAfterMs: 10_000, restartApi: true },
      { at: 125_000, kind: 'postgres-restart', ms: 5_000 },
      { at: 140_000, kind: 'upstream-503', ms: 10_000, share: 0.6 },
      { at: 155_000, kind: 'upstream-429', ms: 10_000, share: 0.6 },
      { at: 170_000, kind: 'upstream-latency', ms: 10_000, latencyMs: 500 },
      { at: 185_000, kind: 'api-term' },
      { at: 195_000, kind: 'api-kill' },
      { at: 205_000, kind: 'backlog-takeover', backlog: 1_000 },
      { at: 225_000, kind: 'worker-kill' },
    ],
  },
};
