/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failed logins from one address within `windowMs` before it is refused (default 20). */
  maxFailures?: number;
  /** The window failures are counted in, and how long a refused address waits (default 15 min). */
  windowMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * Failed logins per client address, in memory: after `maxFailures` within `windowMs` the address is refused until the
 * oldest failure leaves the window. Per-user lockout lives in the database ({@link UserStore.recordFailure}); this one
 * stops one address from trying many user names.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    this.max = options.maxFailures ?? 20;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(address, list);
    else this.failures.delete(address);
    return list;
  }

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const list = this.recent(address);
    if (list.length < this.max) return 0;
    return Math.max(1, list[list.length - this.max]! + this.windowMs - this.now());
  }

  /** Notes a failed login from `address`. */
  fail(address: string): void {
    const list = this.recent(address);
    list.push(this.now());
    this.failures.set(address, list.slice(-this.max));
    // Bounded: a flood of addresses cannot grow the map without end.
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value!);
  }
}
