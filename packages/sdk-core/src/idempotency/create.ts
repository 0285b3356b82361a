import type { Redis } from 'ioredis';
import { MemoryIdempotencyStore } from './memory.js';
import { RedisIdempotencyStore } from './redis.js';
import type { IdempotencyStore } from './types.js';

/** Options of {@link createIdempotencyStore}. */
export interface CreateIdempotencyStoreOptions {
  /** Redis URL: the store is shared by every process using it. Without it (and without `redis`) it is in-memory. */
  redisUrl?: string;
  /** An existing ioredis client (not closed by the store). */
  redis?: Redis;
  /** Key namespace in Redis. Default `relaykit:idem`. */
  prefix?: string;
  /** Default in-flight claim TTL (ms). Default 5 min. */
  lockTtlMs?: number;
  /** Default result TTL (ms). Default 24 h. */
  ttlMs?: number;
}

/**
 * A {@link RedisIdempotencyStore} when `redis` or `redisUrl` is given, else a {@link MemoryIdempotencyStore}.
 *
 * @example
 * ```ts
 * const store = createIdempotencyStore({ redisUrl: process.env.REDIS_URL, prefix: 'gateway:idem' });
 * const begun = await store.begin(apiKeyId, idempotencyKey, fingerprint);
 * if (begun.state === 'new') {
 *   const response = await handle(request);
 *   await store.complete(apiKeyId, idempotencyKey, fingerprint, response);
 * }
 * ```
 */
export function createIdempotencyStore(options: CreateIdempotencyStoreOptions = {}): IdempotencyStore {
  const { lockTtlMs, ttlMs } = options;
  if (options.redis || options.redisUrl) return new RedisIdempotencyStore(options);
  return new MemoryIdempotencyStore({
    ...(lockTtlMs === undefined ? {} : { lockTtlMs }),
    ...(ttlMs === undefined ? {} : { ttlMs }),
  });
}
