// A delayed job lives in the job store, not only in Redis: a Redis restarted without persistence loses the queue's
// delayed set, and the reconciler sends the job again once it is due.
import { randomUUID } from 'node:crypto';
import { startRedis, type RedisServer } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFinal, type TestGateway } from '../test-support/harness.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('delayed jobs and a Redis restart without persistence', () => {
  let redis: RedisServer;
  let t: TestGateway;
  beforeAll(async () => {
    redis = await startRedis({ appendOnly: false });
    t = await startTestGateway({ redis: { url: redis.url, prefix: `delayed-${randomUUID().slice(0, 6)}` } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('runs the job when due though Redis lost it', async () => {
    const res = await t.call('POST', '/v1/echo-dev/put?delay=3s', { key: t.keys.dev, body: { key: 'survivor' } });
    expect(res.status).toBe(202);
    expect((await t.gateway.queue.counts('jobs.echo-dev')).delayed).toBe(1);
    await redis.restart();
    const done = await waitFinal(t, res.body.id, t.keys.dev, 60_000);
    expect(done.status).toBe('succeeded');
    expect(Date.parse(done.attempts[0].startedAt)).toBeGreaterThanOrEqual(Date.parse(res.body.runAt) - 50);
    expect(t.upstream.writes.filter((w) => w.key === 'survivor')).toHaveLength(1);
  }, 90_000);
});
