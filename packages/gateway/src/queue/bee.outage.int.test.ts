// BeeJobQueue across Redis outages, on a private redis-server that the tests stop and start again on the same port
// (without persistence, as in production without AOF).
import { randomUUID } from 'node:crypto';
import { startRedis, waitFor, type RedisServer } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BeeJobQueue } from './bee.js';
import { isQueueUnavailableError } from './errors.js';
import type { QueueMessage } from './types.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('BeeJobQueue when Redis goes away', () => {
  let redis: RedisServer;
  const opened: BeeJobQueue[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await redis.start();
    for (const q of opened.splice(0)) await q.close(500);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const open = () => {
    const queue = new BeeJobQueue({
      redisUrl: redis.url,
      prefix: `rk-${randomUUID().slice(0, 8)}`,
      stallInterval: 1000,
    });
    opened.push(queue);
    return queue;
  };
  const sibling = (of: BeeJobQueue) => {
    const queue = new BeeJobQueue({
      redisUrl: redis.url,
      prefix: (of as unknown as { options: { prefix: string } }).options.prefix,
      stallInterval: 1000,
    });
    opened.push(queue);
    return queue;
  };
  const enqueueWhenUp = (queue: BeeJobQueue, m: QueueMessage) =>
    waitFor(
      () =>
        queue.enqueue('q', [m]).then(
          () => true,
          () => false,
        ),
      'an enqueue to succeed',
      { timeoutMs: 20_000, intervalMs: 50 },
    );

  it('a worker that first connects while Redis is down consumes once Redis is back', async () => {
    await redis.kill();
    const worker = open();
    const seen: string[] = [];
    worker.process('q', 2, async (m) => {
      seen.push(m.jobId);
    });
    // It tried and failed: Redis is down for a while after it started.
    expect(await worker.ping()).toBe(false);
    await waitFor(async () => !(await worker.ping()) && Date.now(), 'a failed ping');
    await redis.start();
    const producer = sibling(worker);
    await enqueueWhenUp(producer, { jobId: 'after-outage', attempt: 0 });
    await waitFor(() => seen.includes('after-outage'), 'the worker started during the outage to consume', {
      timeoutMs: 10_000,
    });
    expect(await worker.ping()).toBe(true);
  });

  it('while Redis is down, enqueue, counts and ping fail fast instead of waiting in the offline queue', async () => {
    const queue = open();
    await queue.enqueue('q', [{ jobId: 'warm', attempt: 0 }]);
    await redis.kill();
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const error = await queue.enqueue('q', [{ jobId: `down-${i}`, attempt: 0 }]).catch((e: unknown) => e);
      expect(isQueueUnavailableError(error)).toBe(true);
      expect(await queue.counts('q').catch((e: unknown) => e)).toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
      expect(await queue.ping()).toBe(false);
      expect(performance.now() - started).toBeLessThan(1500);
    }
  });

  it('reconnects within about a second of Redis returning, however long it was away (capped back-off)', async () => {
    const worker = open();
    const seen: string[] = [];
    worker.process('q', 2, async (m) => {
      seen.push(m.jobId);
    });
    const producer = sibling(worker);
    await enqueueWhenUp(producer, { jobId: 'before', attempt: 0 });
    await waitFor(() => seen.includes('before'), 'the first message');
    await redis.kill();
    // Long enough for an uncapped ×1.7 back-off (node-redis' default) to put its next attempt ~7 s past Redis' return.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    await redis.start();
    const back = performance.now();
    await enqueueWhenUp(producer, { jobId: 'after', attempt: 0 });
    await waitFor(() => seen.includes('after'), 'the message sent after the outage', { timeoutMs: 20_000 });
    expect(performance.now() - back).toBeLessThan(4000);
  }, 45_000);
});
