import type { Redis } from 'ioredis';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../redis/client.js';
import { randomKeyPrefix } from '../redis/keys.js';
import { isLockTimeoutError } from './errors.js';
import { createLock } from './index.js';
import { RedisLock } from './redis.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('RedisLock (real Redis)', () => {
  const prefix = randomKeyPrefix('relaykit:test:lock');
  let admin: Redis;
  beforeAll(() => {
    admin = createRedisClient(servers.redisUrl!);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });

  it('gives mutual exclusion across clients: no lost update in a read-sleep-write section', async () => {
    const locks = Array.from({ length: 6 }, () => createLock({ redisUrl: servers.redisUrl!, prefix }));
    expect(locks[0]).toBeInstanceOf(RedisLock);
    const counter = `${prefix}:data:counter`;
    await admin.set(counter, '0');
    try {
      await Promise.all(
        locks.flatMap((lock) =>
          Array.from({ length: 4 }, () =>
            lock.withLock(
              'counter',
              2000,
              async () => {
                const v = Number(await admin.get(counter));
                await new Promise((r) => setTimeout(r, 2));
                await admin.set(counter, String(v + 1));
              },
              { waitMs: 10_000, retryDelayMs: 10 },
            ),
          ),
        ),
      );
      expect(await admin.get(counter)).toBe('24');
    } finally {
      await Promise.all(locks.map((l) => l.close()));
    }
  });

  it('expires after its TTL; a stale handle can neither release nor extend the new holder', async () => {
    const a = createLock({ redisUrl: servers.redisUrl!, prefix });
    const b = createLock({ redisUrl: servers.redisUrl!, prefix });
    try {
      const first = await a.acquire('ttl', 250);
      expect(first).toBeDefined();
      expect(await b.acquire('ttl', 1000)).toBeUndefined();
      const second = await b.acquire('ttl', 1000, { waitMs: 2000, retryDelayMs: 20 });
      expect(second).toBeDefined();
      expect(await first!.release()).toBe(false);
      expect(await first!.extend(5000)).toBe(false);
      expect(await admin.get(`${prefix}:ttl`)).toBe(second!.token);
      expect(await second!.extend(3000)).toBe(true);
      expect(await admin.pttl(`${prefix}:ttl`)).toBeGreaterThan(2000);
      await expect(a.withLock('ttl', 1000, () => 1, { waitMs: 30 })).rejects.toSatisfy(isLockTimeoutError);
      expect(await second!.release()).toBe(true);
      expect(await admin.exists(`${prefix}:ttl`)).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
