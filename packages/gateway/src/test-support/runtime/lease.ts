// Test support: what the lease, takeover and fencing tests share — a job record, a worker with a short lease on a
// configuration without reconciler passes, and a frozen event loop.
import { silentLogger } from '@relaykit/sdk-core';
import { parseConfig } from '../../config/index.js';
import { Gateway } from '../../gateway.js';
import type { JobQueue } from '../../queue/types.js';
import type { ConnectorSource } from '../../runtime/instances.js';
import type { NewJob } from '../../store/types.js';

/** A job record as `store.create` takes it: an operation of `instance` in `development`, three attempts. */
export function operationJob(id: string, instance: string, operation: string, input: unknown, maxAttempts = 3): NewJob {
  return { id, kind: 'operation', environment: 'development', instance, operation, input, maxAttempts };
}

/**
 * A configuration for lease tests: one `development` environment with these instances, stall sweeps every second and
 * no reconciler pass during a test (the test itself plays the re-delivery). Without `redisUrl` the caller hands the
 * gateway a queue.
 */
export function leaseTestConfig(options: {
  databaseUrl: string;
  redisUrl?: string;
  instances: Record<string, Record<string, unknown>>;
}) {
  return parseConfig(
    {
      ...(options.redisUrl
        ? { redis: { url: options.redisUrl, prefix: `rk-${Math.random().toString(36).slice(2, 10)}` } }
        : {}),
      database: { url: options.databaseUrl },
      jobs: { stallInterval: '1s', reconcileInterval: '1h', stallLimit: 3 },
      environments: ['development'],
      instances: options.instances,
    },
    {},
  );
}

/** A worker-only gateway with a lease of `leaseMs`, logging nothing. */
export function startLeaseWorker(options: {
  config: ReturnType<typeof leaseTestConfig>;
  connectors: ConnectorSource;
  leaseMs: number;
  queue?: JobQueue;
}): Promise<Gateway> {
  return Gateway.create({
    config: options.config,
    role: 'worker',
    connectors: options.connectors,
    logger: silentLogger,
    leaseMs: options.leaseMs,
    ...(options.queue ? { queue: options.queue } : {}),
  });
}

/** Blocks this process for `ms`, as a GC pause, CPU starvation or SIGSTOP would: no timer, no renewal runs. */
export function freeze(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* frozen */
  }
}
