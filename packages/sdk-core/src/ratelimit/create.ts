import type { Redis } from 'ioredis';
import { MemoryRateLimiter } from './memory.js';
import { RedisRateLimiter } from './redis.js';
import type { RateLimiter, RateLimitRules } from './types.js';

/** Options of {@link createRateLimiter}. */
export interface CreateRateLimiterOptions {
  /** Windows for every key, or a function of the key. Empty: unlimited. */
  rules: RateLimitRules;
  /** Redis URL: the limit is shared by every process using it. Without it (and without `redis`) the limiter is in-memory. */
  redisUrl?: string;
  /** An existing ioredis client (not closed by the limiter). */
  redis?: Redis;
  /** Key namespace in Redis. Default `relaykit:rl`. */
  prefix?: string;
}

/**
 * A {@link RedisRateLimiter} when `redis` or `redisUrl` is given, else a {@link MemoryRateLimiter}.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({
 *   redisUrl: process.env.REDIS_URL,
 *   prefix: 'billing:rl',
 *   rules: [{ limit: 80, windowMs: 1000 }, { limit: 600, windowMs: 60_000 }, { limit: 10_000, windowMs: 3_600_000 }],
 * });
 * await limiter.acquire('salesforce:acme', 1, { signal });
 * ```
 */
export function createRateLimiter(options: CreateRateLimiterOptions): RateLimiter {
  if (options.redis || options.redisUrl) return new RedisRateLimiter(options);
  return new MemoryRateLimiter({ rules: options.rules });
}
