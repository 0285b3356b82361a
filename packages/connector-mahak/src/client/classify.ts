import { defaultClassifier, type ClassifyContext, type RetryDecision } from '@relaykit/sdk-core';
import { isMahakApiError, isMahakProtocolError } from '../errors/index.js';

/**
 * How the Mahak client classifies failures (also the connector's `classify`):
 *
 * | failure | decision |
 * | --- | --- |
 * | `Result:false` with an auth code (token invalid/expired), or HTTP 401 | re-login, replay once |
 * | `Result:false` with a code in `retryableCodes` | retry with back-off |
 * | any other `Result:false` | fatal (Mahak refused; replaying cannot help) |
 * | HTTP 429 | retry after `Retry-After` (bounded) or back-off |
 * | HTTP 408/425/500/502/503/504, timeouts, connection errors | retry with back-off (requests are replay-safe) |
 * | other HTTP 4xx, a non-envelope answer, an open circuit, an abort | fatal |
 */
export function createMahakClassifier(options: { retryableCodes?: readonly number[] } = {}) {
  const retryable = new Set(options.retryableCodes ?? []);
  return (error: unknown, context?: ClassifyContext): RetryDecision => {
    if (isMahakApiError(error)) {
      if (error.authFailure) return { action: 'reauthenticate' };
      return retryable.has(error.mahakCode) ? { action: 'retry' } : { action: 'fatal' };
    }
    if (isMahakProtocolError(error)) return { action: 'fatal' };
    return defaultClassifier(error, context);
  };
}

/** The classifier with no extra retryable codes. */
export const classifyMahakError = createMahakClassifier();
