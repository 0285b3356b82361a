import { ValidationError } from '../errors/index.js';
import type { IdempotencyBeginOptions } from './types.js';

/** Longest idempotency key accepted (Stripe's limit; the IETF draft leaves it to servers). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Default time a completed result is replayable: 24 h. */
export const DEFAULT_RESULT_TTL_MS = 24 * 60 * 60 * 1000;

/** Default time an in-flight claim blocks its key before it is considered abandoned: 5 min. */
export const DEFAULT_LOCK_TTL_MS = 5 * 60 * 1000;

/** Throws a {@link ValidationError} naming the bad argument. */
export function validateIdempotencyArgs(scope: string, key: string, fingerprint?: string): void {
  if (typeof scope !== 'string' || scope.length > 1024) {
    throw new ValidationError('Idempotency scope must be a string of at most 1024 characters', [
      { path: ['scope'], message: 'must be a string of ≤ 1024 characters' },
    ]);
  }
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError('Idempotency key must be a non-empty string', [
      { path: ['key'], message: 'must be a non-empty string' },
    ]);
  }
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ValidationError(
      `Idempotency key is ${key.length} characters long; at most ${MAX_IDEMPOTENCY_KEY_LENGTH} are allowed`,
      [{ path: ['key'], message: `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }],
    );
  }
  if (fingerprint !== undefined && (typeof fingerprint !== 'string' || fingerprint.length === 0)) {
    throw new ValidationError('Idempotency fingerprint must be a non-empty string', [
      { path: ['fingerprint'], message: 'must be a non-empty string' },
    ]);
  }
}

/** Throws unless `ms` is a positive finite number. */
export function validateTtl(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 1)
    throw new ValidationError(`${name} must be a positive number of ms, got ${ms}`, [
      { path: [name], message: 'must be ≥ 1' },
    ]);
}

/** Validates the arguments of a `begin` and returns its claim's lock TTL: the call's, else the store's default. */
export function beginLockTtl(
  scope: string,
  key: string,
  fingerprint: string,
  options: IdempotencyBeginOptions,
  defaultLockTtlMs: number,
): number {
  validateIdempotencyArgs(scope, key, fingerprint);
  const lockTtlMs = options.lockTtlMs ?? defaultLockTtlMs;
  validateTtl('lockTtlMs', lockTtlMs);
  return lockTtlMs;
}

/** A store's default TTLs: the ones given, else 5 min for a claim and 24 h for a result. */
export function storeTtls(options: { lockTtlMs?: number; ttlMs?: number }): { lockTtlMs: number; ttlMs: number } {
  return { lockTtlMs: options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS, ttlMs: options.ttlMs ?? DEFAULT_RESULT_TTL_MS };
}
