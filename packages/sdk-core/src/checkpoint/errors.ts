import { RelaykitError, isRelaykitError, type RelaykitErrorOptions } from '../errors/index.js';

/** A checkpoint store failed or holds a value it cannot read (code `CHECKPOINT`). */
export class CheckpointError extends RelaykitError {
  /** Brand checked by {@link isCheckpointError}. */
  public readonly isCheckpointError = true;
  constructor(message: string, options: RelaykitErrorOptions = {}) {
    super('CHECKPOINT', message, options);
    this.name = 'CheckpointError';
  }
}

/** True for a {@link CheckpointError} from any package copy. */
export function isCheckpointError(error: unknown): error is CheckpointError {
  return isRelaykitError(error) && (error as { isCheckpointError?: unknown }).isCheckpointError === true;
}
