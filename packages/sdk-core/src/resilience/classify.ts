import { isAbortedError, isRelaykitError } from '../errors/index.js';
import { isHttpError, isUpstreamNetworkError, isUpstreamTimeoutError } from '../errors/http.js';
import { NETWORK_ERROR_CODES, TIMEOUT_ERROR_CODES, isTlsErrorCode } from '../errors/network-codes.js';
import type { ClassifyContext, RetryDecision } from './types.js';

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The classifier used when a connector supplies none (or returns undefined):
 * network errors (but not certificate/TLS failures), timeouts, 408, 425, 429 and 500/502/503/504 are retried (after `Retry-After`
 * when the server sent one); 401 asks to re-authenticate and replay once (a 401 means the
 * upstream refused before doing anything); other 4xx, aborts, an open circuit, a full bulkhead
 * and unknown errors are fatal. Whether a retry may actually happen for a non-idempotent request
 * is decided by the policy, not here.
 */
export function defaultClassifier(error: unknown, _context?: ClassifyContext): RetryDecision {
  if (isAbortedError(error)) return { action: 'fatal' };
  if (isHttpError(error)) {
    if (error.status === 401) return { action: 'reauthenticate' };
    if (RETRYABLE_STATUS.has(error.status)) {
      return error.retryAfterMs !== undefined
        ? { action: 'retry_after', delayMs: error.retryAfterMs }
        : { action: 'retry' };
    }
    return { action: 'fatal' };
  }
  if (isUpstreamNetworkError(error)) {
    // A bad certificate or TLS setup will fail the same way next time.
    return error.errno !== undefined && isTlsErrorCode(error.errno) ? { action: 'fatal' } : { action: 'retry' };
  }
  if (isUpstreamTimeoutError(error)) return { action: 'retry' };
  if (isRelaykitError(error)) return { action: 'fatal' };
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && isConnectionFailureCode(code)) return { action: 'retry' };
  return { action: 'fatal' };
}

/**
 * The default test for what counts as a failure for the circuit breaker: signs that the upstream
 * itself is unwell (timeouts, network errors, 5xx). 4xx, including 429, are answers from a
 * healthy upstream and do not trip it.
 */
export function defaultBreakerFailure(error: unknown): boolean {
  if (isHttpError(error)) return error.status >= 500;
  if (isUpstreamTimeoutError(error) || isUpstreamNetworkError(error)) return true;
  if (isRelaykitError(error)) return false;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && isConnectionFailureCode(code);
}

function isConnectionFailureCode(code: string): boolean {
  return NETWORK_ERROR_CODES.has(code) || TIMEOUT_ERROR_CODES.has(code);
}
