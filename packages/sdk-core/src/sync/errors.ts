import { RelaykitError, isRelaykitError, type RelaykitErrorOptions } from '../errors/index.js';

/**
 * Stable codes of {@link SyncError}:
 * - `CHECKPOINT`: a stored checkpoint cannot be read as a position of this source;
 * - `SYNC_TIE_TOO_LARGE`: a version-filtered source has more records sharing one version than `maxPageSize`;
 * - `SYNC_SOURCE_ORDER`: the source returned records out of order or before the requested position;
 * - `SYNC_VERSION`: a record's version or id is missing or of the wrong type (the record is dead-lettered with this
 *   code; the run fails with it only when no record of a full page is readable, as it could not move past them).
 */
export type SyncErrorCode = 'CHECKPOINT' | 'SYNC_TIE_TOO_LARGE' | 'SYNC_SOURCE_ORDER' | 'SYNC_VERSION';

/** A failure of the sync engine itself (not of the source or the sink, whose errors pass through unchanged). */
export class SyncError extends RelaykitError {
  /** Brand checked by {@link isSyncError}. */
  public readonly isSyncError = true;
  declare public readonly code: SyncErrorCode;
  constructor(code: SyncErrorCode, message: string, options: RelaykitErrorOptions = {}) {
    super(code, message, options);
    this.name = 'SyncError';
  }
}

/** True for a {@link SyncError} from any package copy. */
export function isSyncError(error: unknown): error is SyncError {
  return isRelaykitError(error) && (error as { isSyncError?: unknown }).isSyncError === true;
}
