import type { Redis } from 'ioredis';
import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidationError } from '../errors/index.js';
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

  it('releases in-flight claims only, and expires abandoned claims after lockTtlMs', async () => {
    await store.begin('t', 'rel', 'fp');
    await store.release('t', 'rel');
    expect((await store.begin('t', 'rel', 'fp2')).state).toBe('new');
    await store.complete('t', 'rel', 'fp2', 'kept');
    await store.release('t', 'rel');
    expect(await store.begin('t', 'rel', 'fp2')).toEqual({ state: 'completed', result: 'kept' });

    expect((await store.begin('t', 'crash', 'fp', { lockTtlMs: 250 })).state).toBe('new');
    expect((await store.begin('t', 'crash', 'fp')).state).toBe('in_flight');
    // The abandoned claim expires through its Redis TTL; then the key is claimable again.
    await waitFor(async () => (await store.begin('t', 'crash', 'fp')).state === 'new', 'the claim to expire');
  });

  it("release with an owner drops only that owner's claim", async () => {
    expect((await store.begin('t', 'own', 'fp', { owner: 'second' })).state).toBe('new');
    await store.release('t', 'own', { owner: 'first' });
    expect((await store.begin('t', 'own', 'fp')).state).toBe('in_flight');
    await store.release('t', 'own', { owner: 'second' });
    expect((await store.begin('t', 'own', 'fp', { owner: 'third' })).state).toBe('new');
    await store.release('t', 'own');
    expect((await store.begin('t', 'own', 'fp')).state).toBe('new');
  });

  it('keeps scopes apart, round-trips bigints and validates keys', async () => {
    expect((await store.begin('tenant:a', 'b', 'fp')).state).toBe('new');
    expect((await store.begin('tenant', 'a:b', 'fp')).state).toBe('new');
    const big = { id: 2n ** 64n + 1n, n: -5n, nested: [{ v: 9007199254740993n }] };
    await store.begin('t', 'big', 'fp');
    await store.complete('t', 'big', 'fp', big);
    expect(await store.begin('t', 'big', 'fp')).toEqual({ state: 'completed', result: big });
    await expect(store.begin('t', 'k'.repeat(256), 'fp')).rejects.toSatisfy(isValidationError);
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
