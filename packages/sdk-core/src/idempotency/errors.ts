import { RelaykitError, type RelaykitErrorOptions } from '../errors/index.js';

/** The same idempotency key is being processed by another request right now (HTTP 409). */
export class IdempotencyInFlightError extends RelaykitError {
  /** Brand checked by {@link isIdempotencyInFlightError}. */
  public readonly isIdempotencyInFlightError = true;
  constructor(
    readonly key: string,
    readonly retryAfterMs?: number,
    options: RelaykitErrorOptions = {},
  ) {
    super('IDEMPOTENCY_IN_FLIGHT', `A request with idempotency key ${JSON.stringify(key)} is still in flight`, {
      details: { key, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      ...options,
    });
    this.name = 'IdempotencyInFlightError';
  }
}

/** True for an {@link IdempotencyInFlightError} from any package copy. */
export function isIdempotencyInFlightError(error: unknown): error is IdempotencyInFlightError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isIdempotencyInFlightError?: unknown }).isIdempotencyInFlightError === true
  );
}

/** The idempotency key was already used for a request with different content (HTTP 422). */
export class IdempotencyMismatchError extends RelaykitError {
  /** Brand checked by {@link isIdempotencyMismatchError}. */
  public readonly isIdempotencyMismatchError = true;
  constructor(
    readonly key: string,
    options: RelaykitErrorOptions = {},
  ) {
    super('IDEMPOTENCY_MISMATCH', `Idempotency key ${JSON.stringify(key)} was already used for a different request`, {
      details: { key },
      ...options,
    });
    this.name = 'IdempotencyMismatchError';
  }
}

/** True for an {@link IdempotencyMismatchError} from any package copy. */
export function isIdempotencyMismatchError(error: unknown): error is IdempotencyMismatchError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isIdempotencyMismatchError?: unknown }).isIdempotencyMismatchError === true
  );
}
