/** The outcome of {@link IdempotencyStore.begin}. */
export type IdempotencyBegin<TResult = unknown> =
  | { state: 'new' }
  | {
      state: 'in_flight';
      /** Ms until the running claim expires if never completed (for a `Retry-After`); when known. */
      retryAfterMs?: number;
    }
  | { state: 'completed'; result: TResult }
  | { state: 'mismatch' };

/** Options of {@link IdempotencyStore.begin}. */
export interface IdempotencyBeginOptions {
  /** How long a claim left in flight blocks the key (ms). */
  lockTtlMs?: number;
  /** Who claims (e.g. a random token per attempt); `release` with it drops only this claim. */
  owner?: string;
}

/** Options of {@link IdempotencyStore.release}. */
export interface IdempotencyReleaseOptions {
  /** Drop the claim only when it was made with this `owner` (a later claimant's claim stays). */
  owner?: string;
}

/**
 * Remembers which keyed requests were processed and what they answered, so a retry or replay
 * never does the work twice. Scopes (an API key, a tenant, a connector instance) keep callers apart.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` in `scope` for a request whose content hashes to `fingerprint`. `new` means the
   * caller owns the work; a claim left in flight expires after `lockTtlMs` (default 5 min) so a
   * crashed worker does not block the key forever. `owner` names the claimant, so that its `release`
   * cannot drop a claim someone else took after its own expired.
   */
  begin<TResult = unknown>(
    scope: string,
    key: string,
    fingerprint: string,
    options?: IdempotencyBeginOptions,
  ): Promise<IdempotencyBegin<TResult>>;
  /** Stores the final result for replay for `ttlMs` (default 24 h). */
  complete(scope: string, key: string, fingerprint: string, result: unknown, ttlMs?: number): Promise<void>;
  /**
   * Drops an in-flight claim when the work failed before it started, so the key may be used again. With
   * `owner`, only a claim made with that owner is dropped; without it, any in-flight claim.
   */
  release(scope: string, key: string, options?: IdempotencyReleaseOptions): Promise<void>;
  close(): Promise<void>;
}
