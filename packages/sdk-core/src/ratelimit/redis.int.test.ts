import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { isAbortedError } from '../errors/index.js';
import { createRedisClient } from '../redis/client.js';
import { isRedisConnectionError } from '../redis/errors.js';
import { createRateLimiter } from './create.js';
import { RedisRateLimiter } from './redis.js';
import { useRedisLimiters } from '../test-support/ratelimit/limiters.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('RedisRateLimiter (real Redis)', () => {
  const redis = useRedisLimiters(servers.redisUrl, 'rl');
  const { prefix } = redis;
  const limiter = (rules: Parameters<typeof redis.limiter>[0]) => redis.limiter(rules);

  it('admits the burst, then one per emission interval, on the server clock', async () => {
    // Wide intervals (200 ms) so a slow CI machine cannot turn a denial into an admission.
    const l = limiter([{ limit: 10, windowMs: 2000, burst: 3 }]);
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await l.tryAcquire('burst'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    const denied = decisions[3]!;
    const elapsed = denied.at! - decisions[0]!.at!;
    expect(denied.retryAfterMs).toBeCloseTo(200 - elapsed, 3);
    expect(denied.limit).toBe(10);
    const { at } = await l.acquireDecision('burst');
    expect(at! - decisions[0]!.at!).toBeGreaterThanOrEqual(200);
  });

  it('enforces several windows, a cost > 1, and is all or nothing across windows', async () => {
    const l = limiter([
      { limit: 3, windowMs: 10_000 },
      { limit: 10, windowMs: 1000, burst: 1 },
    ]);
    expect((await l.tryAcquire('multi')).allowed).toBe(true);
    for (let i = 0; i < 5; i++) expect((await l.tryAcquire('multi')).allowed).toBe(false); // 100 ms window
    await l.acquire('multi');
    await l.acquire('multi');
    const fourth = await l.tryAcquire('multi');
    expect(fourth).toMatchObject({ allowed: false, limit: 3 });
    expect(fourth.retryAfterMs).toBeGreaterThan(2000);

    const c = limiter([{ limit: 10, windowMs: 10_000 }]);
    expect((await c.tryAcquire('cost', 6)).allowed).toBe(true);
    const tooMuch = await c.tryAcquire('cost', 6);
    expect(tooMuch.allowed).toBe(false);
    expect(tooMuch.retryAfterMs).toBeGreaterThan(1500);
    expect((await c.tryAcquire('cost', 4)).allowed).toBe(true);
  });

  it('shares a key between two limiters on two clients; penalize from one delays the other', async () => {
    const rules = [{ limit: 4, windowMs: 1000 }];
    const a = limiter(rules);
    const b = limiter(rules);
    expect((await a.tryAcquire('shared', 2)).allowed).toBe(true);
    expect((await b.tryAcquire('shared', 2)).allowed).toBe(true);
    expect((await a.tryAcquire('shared')).allowed).toBe(false);
    expect((await b.tryAcquire('shared')).allowed).toBe(false);

    const p = limiter([{ limit: 1000, windowMs: 1000 }]);
    const q = limiter([{ limit: 1000, windowMs: 1000 }]);
    const until = await p.penalizeUntil('penalized', 150);
    const blocked = await q.tryAcquire('penalized');
    expect(blocked.allowed).toBe(false);
    expect(blocked.retryAfterMs).toBeCloseTo(until - blocked.at!, 3);
    const admitted = await q.acquireDecision('penalized');
    expect(admitted.at!).toBeGreaterThanOrEqual(until);
  });

  it('applies per-key rules; a penalty on a rule-less key is honoured locally', async () => {
    const l = limiter((key) =>
      key.startsWith('vip:')
        ? [{ limit: 5, windowMs: 1000 }]
        : key.startsWith('free:')
          ? []
          : [{ limit: 1, windowMs: 1000 }],
    );
    for (let i = 0; i < 5; i++) expect((await l.tryAcquire('vip:1')).allowed).toBe(true);
    expect((await l.tryAcquire('vip:1')).allowed).toBe(false);
    expect((await l.tryAcquire('std:1')).allowed).toBe(true);
    expect((await l.tryAcquire('std:1')).allowed).toBe(false);
    await l.penalize('free:1', 60);
    expect((await l.tryAcquire('free:1')).allowed).toBe(false);
    const started = Date.now();
    await l.acquire('free:1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('queues concurrent local waiters behind one head: about one Redis call per admission', async () => {
    const client = createRedisClient(servers.redisUrl!);
    let sent = 0;
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((...args: Parameters<typeof send>) => {
      sent++;
      return send(...args);
    }) as typeof client.sendCommand;
    const l = new RedisRateLimiter({ redis: client, prefix, rules: [{ limit: 100, windowMs: 1000, burst: 1 }] });
    const decisions = await Promise.all(Array.from({ length: 16 }, () => l.acquireDecision('line')));
    const times = decisions.map((d) => d.at!).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(9.9);
    // 16 first attempts, then about one per admission (each head sleeps until the announced slot;
    // a timer firing early on a busy event loop adds a retry now and then). A herd would cost
    // every waiter a call per slot: 16 + 15 + 14 + ... ≈ 150.
    expect(sent).toBeLessThanOrEqual(16 + 3 * 15);
    await l.close();
    await client.quit();
  });

  it('expires idle state and penalties with TTLs', async () => {
    const l = limiter([{ limit: 10, windowMs: 200 }]);
    await l.tryAcquire('ttl', 2);
    const pttl = await redis.admin.pttl(`${prefix}:ttl`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(42);
    await l.penalize('ttl', 300);
    expect(await redis.admin.pttl(`${prefix}:ttl`)).toBeGreaterThan(250);
  });

  it('aborting a wait rejects with AbortedError', async () => {
    const l = limiter([{ limit: 1, windowMs: 60_000 }]);
    await l.acquire('abort');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(l.acquire('abort', 1, { signal: controller.signal })).rejects.toSatisfy(isAbortedError);
  });

  it('reloads its script after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    const l = limiter([{ limit: 5, windowMs: 1000 }]);
    expect((await l.tryAcquire('flush')).allowed).toBe(true);
    await redis.admin.script('FLUSH');
    expect((await l.tryAcquire('flush')).allowed).toBe(true);
  });

  it('with empty rules is unlimited and never calls Redis; an injected client stays open', async () => {
    const unreachable = createRedisClient('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const l = new RedisRateLimiter({
      redis: unreachable,
      rules: (key) => (key === 'free' ? [] : [{ limit: 1, windowMs: 1000 }]),
    });
    for (let i = 0; i < 50; i++) expect((await l.tryAcquire('free')).allowed).toBe(true);
    await expect(l.tryAcquire('limited')).rejects.toSatisfy(isRedisConnectionError);
    unreachable.disconnect();

    const client = createRedisClient(servers.redisUrl!);
    const shared = createRateLimiter({ redis: client, prefix, rules: [{ limit: 1, windowMs: 1000 }] });
    expect(shared).toBeInstanceOf(RedisRateLimiter);
    await shared.tryAcquire('injected');
    await shared.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
