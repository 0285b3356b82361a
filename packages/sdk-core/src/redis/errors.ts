import { RelaykitError, type RelaykitErrorOptions } from '../errors/index.js';

/**
 * Redis could not be reached (refused, timed out, or gave up retrying). The message names the
 * server with its password redacted; the ioredis error is the `cause`.
 */
export class RedisConnectionError extends RelaykitError {
  /** Brand checked by {@link isRedisConnectionError}. */
  public readonly isRedisConnectionError = true;
  constructor(message: string, options: RelaykitErrorOptions = {}) {
    super('REDIS_UNAVAILABLE', message, options);
    this.name = 'RedisConnectionError';
  }
}

/** True for a {@link RedisConnectionError} from any package copy. */
export function isRedisConnectionError(error: unknown): error is RedisConnectionError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isRedisConnectionError?: unknown }).isRedisConnectionError === true
  );
}
