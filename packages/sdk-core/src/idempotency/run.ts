import { IdempotencyInFlightError, IdempotencyMismatchError } from './errors.js';
import type { IdempotencyStore } from './types.js';

/** Options of {@link runIdempotent}. */
export interface RunIdempotentOptions {
  /** How long the result is replayable (ms). Default: the store's (24 h). */
  ttlMs?: number;
  /** How long the claim blocks the key if this process dies mid-way (ms). Default: the store's (5 min). */
  lockTtlMs?: number;
  /**
   * Decides what a failure of `fn` leaves behind: return a value to store it as the key's result
   * (replays then get that value), or `undefined` to release the key so a retry runs again (the
   * default — right when a failed attempt had no lasting effect).
   */
  storeErrors?: (error: unknown) => unknown | undefined;
}

/**
 * Runs `fn` at most once per (scope, key): a repeat with the same fingerprint gets the stored
 * result; a repeat while the first runs throws {@link IdempotencyInFlightError}; a repeat with a
 * different fingerprint throws {@link IdempotencyMismatchError}. When `fn` throws, the claim is
 * released (so the key can be retried) unless `storeErrors` maps the error to a value to store and
 * return on replays.
 *
 * @example
 * ```ts
 * const sent = await runIdempotent(store, tenantId, idempotencyKey, sha256(body), () => sendInvoice(body));
 * ```
 */
export async function runIdempotent<T>(
  store: IdempotencyStore,
  scope: string,
  key: string,
  fingerprint: string,
  fn: () => Promise<T> | T,
  options: RunIdempotentOptions = {},
): Promise<T> {
  const begun = await store.begin<T>(
    scope,
    key,
    fingerprint,
    options.lockTtlMs === undefined ? {} : { lockTtlMs: options.lockTtlMs },
  );
  if (begun.state === 'completed') return begun.result;
  if (begun.state === 'mismatch') throw new IdempotencyMismatchError(key);
  if (begun.state === 'in_flight') throw new IdempotencyInFlightError(key, begun.retryAfterMs);
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    const stored = options.storeErrors?.(error);
    if (stored !== undefined) await store.complete(scope, key, fingerprint, stored, options.ttlMs);
    else await store.release(scope, key);
    throw error;
  }
  await store.complete(scope, key, fingerprint, result, options.ttlMs);
  return result;
}
