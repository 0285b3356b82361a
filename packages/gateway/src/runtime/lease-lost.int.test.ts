// A worker that wakes from a freeze nobody took over records its attempt as LEASE_LOST (as the README says), whatever
// the operation made of the abort — here what sdk-core's transport makes of it: an `ABORTED` error.
import { randomUUID } from 'node:crypto';
import { AbortedError, defineConnector } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freeze, leaseTestConfig, operationJob, startLeaseWorker } from '../test-support/runtime/lease.js';

const servers = sharedServers();
const LEASE_MS = 300;

describe.skipIf(!(servers.redisUrl && servers.postgresUrl))('an attempt cut off by its own lease', () => {
  let reached: () => void = () => undefined;
  const hangs = defineConnector({
    name: 'hangs',
    version: '1.0.0',
    config: z.object({}),
    setup: () => ({}),
    operations: {
      call: {
        description: 'First attempt: an upstream call in flight until its signal aborts; later attempts succeed.',
        idempotent: true,
        input: z.object({}),
        output: z.object({ ok: z.boolean() }),
        async run(ctx) {
          if (ctx.attempt > 1) return { ok: true };
          reached();
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
          throw new AbortedError('the request was aborted');
        },
      },
    },
  });

  it('is recorded as LEASE_LOST, not ABORTED, and retried', async () => {
    const config = leaseTestConfig({
      databaseUrl: await servers.freshDatabase(),
      redisUrl: servers.redisUrl!,
      instances: {
        h: { connector: 'hangs', environment: 'development', config: {}, retry: { attempts: 3, delay: '20ms' } },
      },
    });
    const worker = await startLeaseWorker({ config, connectors: { hangs }, leaseMs: LEASE_MS });
    try {
      const id = `job_lease_${randomUUID().slice(0, 8)}`;
      const running = new Promise<void>((resolve) => {
        reached = resolve;
      });
      await worker.store.create([operationJob(id, 'h', 'call', {})]);
      await worker.queue.enqueue('jobs.h', [{ jobId: id, attempt: 0 }]);
      await running;
      // The whole process freezes past the lease (as under SIGSTOP): no renewal goes out, and nobody takes over.
      freeze(LEASE_MS + 200);
      const done = await waitFor(async () => {
        const job = await worker.store.get(id);
        return job?.status === 'succeeded' ? job : undefined;
      }, 'the retry to succeed');
      expect(done).toMatchObject({ attempts: 2 });
      const attempts = await worker.store.attempts(id);
      expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'failed', error: { code: 'LEASE_LOST' } });
      expect(attempts[1]).toMatchObject({ attempt: 2, outcome: 'succeeded' });
    } finally {
      await worker.close();
    }
  });
});
