// The gateway during a Redis outage (private redis-server, stopped and started again on the same port without
// persistence): submits, replays and reads keep answering from PostgreSQL, /readyz says "not ready" at once, and a
// process that started during the outage recovers once Redis is back.
import { randomUUID } from 'node:crypto';
import { startPostgres, startRedis, waitFor, type RedisServer } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFinal, type TestGateway } from './test-support/harness.js';

const servers = sharedServers();

describe.skipIf(!(servers.redisUrl && servers.postgresUrl))('gateway while Redis is down', () => {
  let redis: RedisServer;
  let t: TestGateway | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('started during an outage: answers every request without a 500 or a wait, and runs the jobs once Redis is back', async () => {
    await redis.kill();
    t = await startTestGateway({
      redis: { url: redis.url, prefix: `rk-${randomUUID().slice(0, 8)}` },
      database: { url: await servers.freshDatabase(), dataDir: 'memory://' },
      // The per-key limiter is on, as by default.
      apiKeys: { rateLimits: [{ limit: 1000, window: '1s' }] },
    });
    const gw = t;
    const timed = async <T>(fn: () => Promise<T>) => {
      const started = performance.now();
      const value = await fn();
      return { value, ms: performance.now() - started };
    };

    const ready = await timed(() => gw.call('GET', '/readyz'));
    expect(ready.value.status).toBe(503);
    expect(ready.value.body.components).toMatchObject({ database: 'up', queue: 'down' });
    expect(ready.ms).toBeLessThan(3000);

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const headers = { 'idempotency-key': `outage-${i}` };
      const submit = await timed(() =>
        gw.call('POST', '/v1/echo-dev/put', { key: gw.keys.dev, body: { key: `o${i}`, value: i }, headers }),
      );
      expect(submit.value.status).toBe(202);
      expect(submit.ms).toBeLessThan(1500);
      ids.push(submit.value.body.id);
      const replay = await timed(() =>
        gw.call('POST', '/v1/echo-dev/put', { key: gw.keys.dev, body: { key: `o${i}`, value: i }, headers }),
      );
      expect(replay.value.status).toBeLessThan(500);
      expect(replay.value.body.id).toBe(submit.value.body.id);
      expect(replay.ms).toBeLessThan(1500);
      const read = await timed(() => gw.call('GET', `/v1/jobs/${submit.value.body.id}`, { key: gw.keys.dev }));
      expect(read.value.status).toBe(200);
      expect(read.ms).toBeLessThan(1500);
    }
    // Still limited while Redis is away (per process), with the usual headers.
    const limited = await gw.call('GET', `/v1/jobs/${ids[0]}`, { key: gw.keys.dev });
    expect(limited.headers.get('ratelimit-limit')).toBe('1000');

    await redis.start();
    const back = performance.now();
    await waitFor(async () => (await gw.call('GET', '/readyz')).status === 200, 'ready again', { timeoutMs: 10_000 });
    expect(performance.now() - back).toBeLessThan(5000);
    for (const id of ids) expect(await waitFinal(gw, id, gw.keys.dev, 20_000)).toMatchObject({ status: 'succeeded' });
  }, 60_000);
});

describe.skipIf(!(servers.redisUrl && servers.postgresUrl))('gateway while PostgreSQL is down', () => {
  it('answers 503 with Retry-After (never a 500), and accepts again once it is back', async () => {
    const postgres = await startPostgres();
    let t: TestGateway | undefined;
    try {
      t = await startTestGateway({
        redis: { url: servers.redisUrl!, prefix: `rk-${randomUUID().slice(0, 8)}` },
        database: { url: await postgres.createDatabase(), dataDir: 'memory://' },
      });
      const gw = t;
      const submit = () => gw.call('POST', '/v1/echo-dev/put', { key: gw.keys.dev, body: { key: 'pg-outage' } });
      expect((await submit()).status).toBe(202);
      const restarted = postgres.restart(4000);
      const during = await waitFor(
        async () => {
          const res = await submit();
          return res.status === 202 ? undefined : res;
        },
        'a refusal during the outage',
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('2');
      expect(during.body).toMatchObject({ code: 'UNAVAILABLE' });
      expect((await gw.call('GET', '/readyz')).status).toBe(503);
      await restarted;
      let last: unknown;
      const after = await waitFor(
        async () => {
          const res = await submit();
          last = { status: res.status, body: res.body };
          return res.status === 202 ? res : undefined;
        },
        'a submit accepted after the outage',
        { timeoutMs: 20_000, intervalMs: 100 },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; last answer ${JSON.stringify(last)}`);
      });
      expect(await waitFinal(gw, after.body.id, gw.keys.dev, 20_000)).toMatchObject({ status: 'succeeded' });
    } finally {
      await t?.close();
      await postgres.stop();
    }
  }, 60_000);
});
