import { randomUUID } from 'node:crypto';
import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { BeeJobQueue } from './bee.js';
import type { QueueMessage } from './types.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('BeeJobQueue on Redis', () => {
  const opened: BeeJobQueue[] = [];
  afterEach(async () => {
    for (const q of opened.splice(0)) await q.close(500);
  });

  const open = (prefix = `rk-${randomUUID().slice(0, 8)}`) => {
    const queue = new BeeJobQueue({ redisUrl: servers.redisUrl!, prefix, stallInterval: 1000 });
    opened.push(queue);
    return queue;
  };

  it('concurrent enqueues share pipelines; every message is delivered once, a repeated id is a no-op', async () => {
    const prefix = `rk-${randomUUID().slice(0, 8)}`;
    const producer = open(prefix);
    const consumer = open(prefix);
    const seen: string[] = [];
    let resolve!: () => void;
    const all = new Promise<void>((r) => {
      resolve = r;
    });
    const timeout = setTimeout(() => resolve(), 10_000);
    consumer.process('q', 10, async (m: QueueMessage) => {
      seen.push(`${m.jobId}.${m.attempt}`);
      if (seen.length === 60) resolve();
    });
    await producer.enqueue('q', [{ jobId: 'warm', attempt: 0 }]);
    // Count the pipelines the producer sends (bee-queue's saveAll, one Redis round trip each).
    const bee = (
      producer as unknown as { slots: Map<string, { bee: { saveAll: (jobs: unknown[]) => Promise<unknown> } }> }
    ).slots.get('q')!.bee;
    const saveAll = bee.saveAll.bind(bee);
    const pipelines: number[] = [];
    bee.saveAll = (jobs) => {
      pipelines.push(jobs.length);
      return saveAll(jobs);
    };
    // 59 callers at once (one of them sending a message that is already queued).
    await Promise.all([
      ...Array.from({ length: 58 }, (_, i) => producer.enqueue('q', [{ jobId: `j${i}`, attempt: 0 }])),
      producer.enqueue('q', [
        { jobId: 'j0', attempt: 0 },
        { jobId: 'last', attempt: 0 },
      ]),
    ]);
    expect(pipelines.reduce((a, b) => a + b, 0)).toBe(60);
    expect(pipelines.length).toBeLessThanOrEqual(4);
    await all;
    clearTimeout(timeout);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.sort()).toEqual(
      ['j0.0', ...Array.from({ length: 57 }, (_, i) => `j${i + 1}.0`), 'last.0', 'warm.0'].sort(),
    );
  });

  it('keeps no job object after sending it (no memory growth per job in the enqueuing process)', async () => {
    const queue = open();
    await queue.enqueue(
      'kept',
      Array.from({ length: 200 }, (_, i) => ({ jobId: `k${i}`, attempt: 0 })),
    );
    await queue.enqueue('kept', [{ jobId: 'later', attempt: 0 }], { delayMs: 60_000 });
    const bee = (queue as unknown as { slots: Map<string, { bee: { jobs: Map<string, unknown> } }> }).slots.get(
      'kept',
    )!.bee;
    expect(bee.jobs.size).toBe(0);
  });

  it('delayed messages wait, immediate ones in the same burst do not', async () => {
    const queue = open();
    const seen: Array<{ id: string; at: number }> = [];
    const started = Date.now();
    queue.process('d', 5, async (m: QueueMessage) => {
      seen.push({ id: m.jobId, at: Date.now() - started });
    });
    await Promise.all([
      queue.enqueue('d', [{ jobId: 'later', attempt: 1 }], { delayMs: 400 }),
      queue.enqueue('d', [{ jobId: 'now', attempt: 0 }]),
    ]);
    await waitFor(() => seen.length >= 2, 'both messages');
    expect(seen.map((s) => s.id)).toEqual(['now', 'later']);
    expect(seen[1]!.at).toBeGreaterThanOrEqual(350);
  });
});
