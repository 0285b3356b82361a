/** One window of a limit: at most `limit` units per `windowMs`, with an optional burst allowance. */
export interface RateWindow {
  /** Units allowed per window (e.g. 80 for 80/s). */
  limit: number;
  /** Window length in ms (1000 for per-second). */
  windowMs: number;
  /**
   * Units that may go at once after idleness (the GCRA burst tolerance, ≥ 1). Default: `limit`.
   * Any span of `windowMs` admits at most `limit + burst - 1` units; `burst: 1` makes that a strict
   * `limit` per sliding window (perfectly smooth, no bursts).
   */
  burst?: number;
}

/** Answer of {@link RateLimiter.tryAcquire}. */
export interface RateDecision {
  allowed: boolean;
  /** When not allowed: how long until the cost would fit, in ms. 0 when allowed. */
  retryAfterMs: number;
  /** Units left in the tightest window right after this decision (for `RateLimit` headers); `Infinity` for a key without rules. */
  remaining: number;
  /** The tightest window's limit; `Infinity` for a key without rules. */
  limit: number;
  /** Ms until the tightest window is full again. */
  resetMs: number;
  /**
   * When allowed: ms until one more unit would fit under every window (0 while `remaining` ≥ 1).
   * Lets a queue of waiters sleep until the next slot instead of asking again at once.
   */
  nextInMs?: number;
  /**
   * When the decision was taken, in ms since the epoch, on the limiter's clock (Redis server time
   * for the Redis adapter). Lets several processes order their admissions on one clock.
   */
  at?: number;
}

/** Options of {@link RateLimiter.acquire}. */
export interface AcquireOptions {
  /** Rejects with an `AbortedError` as soon as it aborts (nothing is charged then). */
  signal?: AbortSignal;
  /**
   * Longest total wait. When the next chance is further away, rejects at once with a
   * `RateLimitExceededError` (carrying `retryAfterMs`) instead of waiting. Default: wait as long as needed.
   */
  maxWaitMs?: number;
}

/**
 * A limiter of several windows per key (e.g. 80/s and 600/min and 10,000/h), GCRA semantics.
 * Implementations: in-memory, and Redis (atomic Lua on Redis server time) so every worker shares it.
 */
export interface RateLimiter {
  /** Waits (without busy-looping) until `cost` units may go under every window of `key`; rejects when `signal` aborts. */
  acquire(key: string, cost?: number, options?: AcquireOptions): Promise<void>;
  /** Takes `cost` units now if every window allows it; never waits. */
  tryAcquire(key: string, cost?: number): Promise<RateDecision>;
  /** Server-signalled back-off: nothing for `key` goes for `ms` from now, for every process sharing the key. */
  penalize(key: string, ms: number): Promise<void>;
  /** Releases resources (Redis connections the limiter owns). */
  close(): Promise<void>;
}

/** Windows per key; a function lets keys have different limits (e.g. per phone number). */
export type RateLimitRules = ReadonlyArray<RateWindow> | ((key: string) => ReadonlyArray<RateWindow>);
