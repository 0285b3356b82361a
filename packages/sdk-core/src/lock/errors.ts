import { RelaykitError, type RelaykitErrorOptions } from '../errors/index.js';

/** {@link Lock.withLock} could not take the lock within `waitMs`. */
export class LockTimeoutError extends RelaykitError {
  /** Brand checked by {@link isLockTimeoutError}. */
  public readonly isLockTimeoutError = true;
  constructor(
    readonly lockName: string,
    readonly waitedMs: number,
    options: RelaykitErrorOptions = {},
  ) {
    super('LOCK_TIMEOUT', `Lock ${JSON.stringify(lockName)} is still held after waiting ${waitedMs} ms`, {
      details: { lock: lockName, waitedMs },
      ...options,
    });
    this.name = 'LockTimeoutError';
  }
}

/** True for a {@link LockTimeoutError} from any package copy. */
export function isLockTimeoutError(error: unknown): error is LockTimeoutError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isLockTimeoutError?: unknown }).isLockTimeoutError === true
  );
}
