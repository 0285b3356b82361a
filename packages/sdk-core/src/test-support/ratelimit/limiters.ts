// Helpers shared by the rate limiter's tests (not exported from the package).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createRedisClient } from '../../redis/client.js';
import { randomKeyPrefix } from '../../redis/keys.js';
import { MemoryRateLimiter } from '../../ratelimit/memory.js';
import { RedisRateLimiter } from '../../ratelimit/redis.js';
import type { RateLimitRules } from '../../ratelimit/types.js';

/** A limiter on a virtual clock starting at `start` ms: `sleep` advances the clock, so waiting is instant and exact. */
export function virtualLimiter(rules: RateLimitRules, start = 1_000_000) {
  const clock = { now: start };
  const sleeps: number[] = [];
  const limiter = new MemoryRateLimiter({
    rules,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
  });
  return { limiter, clock, sleeps };
}

/**
 * Call inside a `describe`: a factory of Redis limiters under a random key prefix, and an admin client; hooks
 * close them and delete their keys after the suite.
 */
export function useRedisLimiters(redisUrl: string | undefined, name: string) {
  const prefix = randomKeyPrefix(`relaykit:test:${name}`);
  let admin: Redis;
  const opened: RedisRateLimiter[] = [];
  beforeAll(() => {
    admin = createRedisClient(redisUrl!);
  });
  afterAll(async () => {
    for (const l of opened) await l.close();
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });
  return {
    prefix,
    /** A client for inspecting keys (connected in `beforeAll`). */
    get admin(): Redis {
      return admin;
    },
    limiter(rules: RateLimitRules): RedisRateLimiter {
      const l = new RedisRateLimiter({ redisUrl: redisUrl!, rules, prefix });
      opened.push(l);
      return l;
    },
  };
}
