import type { Redis } from 'ioredis';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../redis/client.js';
import { randomKeyPrefix } from '../redis/keys.js';
import { createIdempotencyStore } from './create.js';
import { isIdempotencyMismatchError } from './errors.js';
import { RedisIdempotencyStore } from './redis.js';
import { idempotencyStoreContract } from '../test-support/idempotency/store.contract.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('RedisIdempotencyStore (real Redis)', () => {
  const prefix = randomKeyPrefix('relaykit:test:idem');
  let admin: Redis;
  let store: RedisIdempotencyStore;

  beforeAll(() => {
    admin = createRedisClient(servers.redisUrl!);
    store = new RedisIdempotencyStore({ redisUrl: servers.redisUrl!, prefix });
  });
  afterAll(async () => {
    await store.close();
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });

  it('runs the state machine and replays the stored result', async () => {
    expect(await store.begin('t', 'k1', 'fp')).toEqual({ state: 'new' });
    const inFlight = await store.begin('t', 'k1', 'fp');
    expect(inFlight.state).toBe('in_flight');
    if (inFlight.state === 'in_flight') expect(inFlight.retryAfterMs).toBeGreaterThan(299_000);
    expect(await store.begin('t', 'k1', 'other')).toEqual({ state: 'mismatch' });
    await store.complete('t', 'k1', 'fp', { status: 200, body: ['a'] }, 60_000);
    expect(await store.begin('t', 'k1', 'fp')).toEqual({ state: 'completed', result: { status: 200, body: ['a'] } });
    expect(await store.begin('t', 'k1', 'other')).toEqual({ state: 'mismatch' });
    const pttl = await admin.pttl(`${prefix}:t:k1`);
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await expect(store.complete('t', 'k1', 'other', 1)).rejects.toSatisfy(isIdempotencyMismatchError);
  });

  it('hands out exactly one `new` to many concurrent clients', async () => {
    const stores = Array.from({ length: 12 }, () => new RedisIdempotencyStore({ redisUrl: servers.redisUrl!, prefix }));
    try {
      const answers = await Promise.all(
        stores.flatMap((s) => [s.begin('t', 'race', 'fp'), s.begin('t', 'race', 'fp')]),
      );
      expect(answers.filter((a) => a.state === 'new')).toHaveLength(1);
      expect(answers.filter((a) => a.state === 'in_flight')).toHaveLength(23);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('createIdempotencyStore picks Redis and leaves an injected client open', async () => {
    const client = createRedisClient(servers.redisUrl!);
    const s = createIdempotencyStore({ redis: client, prefix });
    expect(s).toBeInstanceOf(RedisIdempotencyStore);
    expect((await s.begin('t', 'factory', 'fp')).state).toBe('new');
    await s.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});

describe.skipIf(!servers.redisUrl)('RedisIdempotencyStore: the adapters’ shared suite', () => {
  idempotencyStoreContract(
    'redis',
    async () =>
      new RedisIdempotencyStore({ redisUrl: servers.redisUrl!, prefix: randomKeyPrefix('relaykit:test:idem') }),
  );
});
