import { RelaykitError, isRelaykitError, type RelaykitErrorOptions } from '@relaykit/sdk-core';

/**
 * The queue's backend (Redis) cannot be reached now. Raised at once rather than after a wait: a caller whose
 * job is already recorded goes on (the reconciler sends it once Redis is back).
 */
export class QueueUnavailableError extends RelaykitError {
  /** Brand checked by {@link isQueueUnavailableError}. */
  public readonly isQueueUnavailableError = true;
  constructor(message: string, options: RelaykitErrorOptions = {}) {
    super('QUEUE_UNAVAILABLE', message, options);
    this.name = 'QueueUnavailableError';
  }
}

/** True for a {@link QueueUnavailableError} from any package copy. */
export function isQueueUnavailableError(error: unknown): error is QueueUnavailableError {
  return isRelaykitError(error) && (error as { isQueueUnavailableError?: unknown }).isQueueUnavailableError === true;
}
