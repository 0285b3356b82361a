// Takeover time is bounded by the lease, not by the queue's backlog: a job whose worker died is taken over within
// 2 × the lease while a long backlog waits in bee-queue (which would put the job back at its tail).
import { randomUUID } from 'node:crypto';
import { defineConnector } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { leaseTestConfig, operationJob, startLeaseWorker } from '../test-support/runtime/lease.js';

const servers = sharedServers();
const LEASE_MS = 1000;

const slow = defineConnector({
  name: 'slow',
  version: '1.0.0',
  config: z.object({}),
  setup: () => ({}),
  operations: {
    work: {
      description: 'Takes `ms`.',
      idempotent: true,
      input: z.object({ ms: z.number() }),
      output: z.object({ ok: z.boolean() }),
      async run(_ctx, input) {
        await new Promise((resolve) => setTimeout(resolve, input.ms));
        return { ok: true };
      },
    },
  },
});

describe.skipIf(!(servers.redisUrl && servers.postgresUrl))('takeover under a backlog', () => {
  it('a dead worker’s job is taken over within 2 × the lease while a backlog is still queued', async () => {
    const config = leaseTestConfig({
      databaseUrl: await servers.freshDatabase(),
      redisUrl: servers.redisUrl!,
      instances: {
        s: { connector: 'slow', environment: 'development', config: {}, concurrency: 2, timeout: '30s' },
      },
    });
    const worker = await startLeaseWorker({ config, connectors: { slow }, leaseMs: LEASE_MS });
    try {
      const job = (id: string, ms: number) => operationJob(id, 's', 'work', { ms });
      const orphan = `job_orphan_${randomUUID().slice(0, 8)}`;
      const backlog = Array.from({ length: 150 }, (_, i) => job(`job_backlog_${i}_${randomUUID().slice(0, 6)}`, 60));
      await worker.store.create([job(orphan, 10), ...backlog]);
      // A worker claims the orphan and dies at once: nobody renews its lease.
      const claim = await worker.store.claim(orphan, 'dead-worker', LEASE_MS);
      expect(claim.claimed).toBe(true);
      const diedAt = Date.now();
      // ~4.5 s of backlog ahead of the orphan's message (where bee-queue's stall check would put it back).
      await worker.queue.enqueue(
        'jobs.s',
        backlog.map((j) => ({ jobId: j.id, attempt: 0 })),
      );
      await worker.queue.enqueue('jobs.s', [{ jobId: orphan, attempt: 1 }]);
      const taken = await waitFor(
        async () => {
          const j = await worker.store.get(orphan);
          // The takeover's claim opens attempt 2 (the dead worker held attempt 1).
          return j && j.attempts === 2 ? Date.now() : undefined;
        },
        'the takeover',
        { timeoutMs: 15_000, intervalMs: 20 },
      );
      expect(taken - diedAt).toBeLessThan(2 * LEASE_MS);
      const waiting = (await worker.queue.counts('jobs.s')).waiting;
      expect(waiting).toBeGreaterThan(0);
      await waitFor(async () => (await worker.store.get(orphan))?.status === 'succeeded', 'the orphan to finish');
      expect(await worker.store.get(orphan)).toMatchObject({ status: 'succeeded', attempts: 2, stalls: 1 });
    } finally {
      await worker.close();
    }
  }, 40_000);
});
