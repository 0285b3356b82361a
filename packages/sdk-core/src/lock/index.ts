import { MemoryLock } from './memory.js';
import { RedisLock } from './redis.js';
import type { CreateLockOptions, Lock } from './types.js';

export type { Lock, LockHandle, LockAcquireOptions, CreateLockOptions } from './types.js';
export { MemoryLock } from './memory.js';
export { RedisLock, type RedisLockOptions } from './redis.js';
export { LockTimeoutError, isLockTimeoutError } from './errors.js';
export type { LockAttempt } from './base.js';

/**
 * A {@link RedisLock} when `redis` or `redisUrl` is given, else a {@link MemoryLock}.
 *
 * @example
 * ```ts
 * const lock = createLock({ redisUrl: process.env.REDIS_URL });
 * const token = await lock.withLock('sf:token-refresh:acme', 10_000, () => refreshToken(), { waitMs: 15_000 });
 * ```
 */
export function createLock(options: CreateLockOptions = {}): Lock {
  if (options.redis || options.redisUrl) return new RedisLock(options);
  return new MemoryLock();
}
