import { RelaykitError, isRelaykitError, type RelaykitErrorOptions } from '@relaykit/sdk-core';

/**
 * Mahak answered with a `Result:false` envelope (it does so with HTTP 200). Carries Mahak's `Code` and `Message`.
 * `code` is `UPSTREAM_AUTH` when Mahak's code is one of the client's auth codes (token invalid or expired), else
 * `MAHAK_API`.
 */
export class MahakApiError extends RelaykitError {
  /** Brand checked by {@link isMahakApiError}. */
  public readonly isMahakApiError = true;
  /** Mahak's `Code`. */
  public readonly mahakCode: number;
  /** Mahak's `Message` (often Persian). */
  public readonly mahakMessage: string;
  /** The endpoint that answered (`GetAllData`, ...). */
  public readonly endpoint: string;
  /** True when the code says the token is invalid or expired. */
  public readonly authFailure: boolean;

  constructor(
    init: { code: number; message: string; endpoint: string; authFailure?: boolean },
    options: RelaykitErrorOptions = {},
  ) {
    super(
      init.authFailure ? 'UPSTREAM_AUTH' : 'MAHAK_API',
      `Mahak ${init.endpoint} failed with code ${init.code}: ${init.message}`,
      {
        ...options,
        details: { mahakCode: init.code, endpoint: init.endpoint, ...options.details },
      },
    );
    this.name = 'MahakApiError';
    this.mahakCode = init.code;
    this.mahakMessage = init.message;
    this.endpoint = init.endpoint;
    this.authFailure = init.authFailure ?? false;
  }
}

/** True for a {@link MahakApiError} from any package copy. */
export function isMahakApiError(error: unknown): error is MahakApiError {
  return isRelaykitError(error) && (error as { isMahakApiError?: unknown }).isMahakApiError === true;
}

/** Mahak's answer was not the expected envelope (not JSON, no `Result`, a missing `Data`). */
export class MahakProtocolError extends RelaykitError {
  /** Brand checked by {@link isMahakProtocolError}. */
  public readonly isMahakProtocolError = true;
  constructor(message: string, options: RelaykitErrorOptions = {}) {
    super('MAHAK_PROTOCOL', message, options);
    this.name = 'MahakProtocolError';
  }
}

/** True for a {@link MahakProtocolError} from any package copy. */
export function isMahakProtocolError(error: unknown): error is MahakProtocolError {
  return isRelaykitError(error) && (error as { isMahakProtocolError?: unknown }).isMahakProtocolError === true;
}
