import { RelaykitError, type RelaykitErrorOptions } from '../errors/index.js';

/**
 * A rate limit would not let the request go in time: thrown by `acquire` when the wait would exceed
 * `maxWaitMs`. `retryAfterMs` is when it would fit (use it for a `Retry-After` header).
 */
export class RateLimitExceededError extends RelaykitError {
  /** Brand checked by {@link isRateLimitExceededError}. */
  public readonly isRateLimitExceededError = true;
  constructor(
    readonly key: string,
    readonly retryAfterMs: number,
    options: RelaykitErrorOptions = {},
  ) {
    super(
      'RATE_LIMIT_EXCEEDED',
      `Rate limit for ${JSON.stringify(key)} exceeded; retry in ${Math.ceil(retryAfterMs)} ms`,
      { details: { key, retryAfterMs }, ...options },
    );
    this.name = 'RateLimitExceededError';
  }
}

/** True for a {@link RateLimitExceededError} from any package copy. */
export function isRateLimitExceededError(error: unknown): error is RateLimitExceededError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isRateLimitExceededError?: unknown }).isRateLimitExceededError === true
  );
}
