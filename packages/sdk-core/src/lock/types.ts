import type { Redis } from 'ioredis';

/** A held lock. Hold it briefly: it expires on its own after its TTL unless extended. */
export interface LockHandle {
  /** The lock's name. */
  readonly name: string;
  /** Random token proving ownership; release and extend only act when it still matches. */
  readonly token: string;
  /**
   * Releases the lock if this handle still owns it. Resolves false when it had already expired
   * (and maybe been taken by someone else) — a sign the TTL was too short for the work.
   */
  release(): Promise<boolean>;
  /** Resets the TTL to `ttlMs` (default: the TTL it was acquired with) if still owned; false otherwise. */
  extend(ttlMs?: number): Promise<boolean>;
}

/** Options of {@link Lock.acquire}. */
export interface LockAcquireOptions {
  /** How long to wait for a held lock before giving up (resolving undefined). Default 0: try once. */
  waitMs?: number;
  /** Aborts waiting with an `AbortedError`. */
  signal?: AbortSignal;
  /** Longest pause between attempts while waiting (Redis polls; memory is woken on release). Default 50 ms. */
  retryDelayMs?: number;
}

/**
 * A mutual-exclusion lock shared by every process using the same backend — e.g. so that one OAuth
 * token refresh happens across all workers while the others wait and then reuse the new token.
 * Implementations: {@link MemoryLock} (one process) and {@link RedisLock} (SET NX PX with a random
 * token, compare-and-delete release in Lua).
 */
export interface Lock {
  /**
   * Takes the lock `name` for `ttlMs`. Waits up to `waitMs` while someone else holds it;
   * resolves `undefined` when it is still held after that.
   */
  acquire(name: string, ttlMs: number, options?: LockAcquireOptions): Promise<LockHandle | undefined>;
  /**
   * Runs `fn` while holding `name`, releasing it afterwards (also when `fn` throws). Throws a
   * {@link LockTimeoutError} when the lock could not be taken within `waitMs`.
   */
  withLock<T>(
    name: string,
    ttlMs: number,
    fn: (handle: LockHandle) => Promise<T> | T,
    options?: LockAcquireOptions,
  ): Promise<T>;
  /** Releases resources (a Redis connection this lock opened). */
  close(): Promise<void>;
}

/** Options of {@link createLock}. */
export interface CreateLockOptions {
  /** Redis URL: locks are shared by every process using it. Without it (and without `redis`) the lock is in-memory. */
  redisUrl?: string;
  /** An existing ioredis client (not closed by the lock). */
  redis?: Redis;
  /** Key namespace. Default `relaykit:lock`. */
  prefix?: string;
}
