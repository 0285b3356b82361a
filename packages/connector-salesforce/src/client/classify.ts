import { isHttpError, type ClassifyContext, type ErrorClassifier, type RetryDecision } from '@relaykit/sdk-core';
import {
  isSalesforceApiError,
  isSalesforceAuthError,
  isSalesforceLimitError,
  isSalesforceMultipleMatchesError,
  salesforceErrorItems,
} from '../errors/index.js';

/** What a failed Salesforce answer means for the client. */
export type FailureKind =
  | 'session_expired'
  | 'session_not_valid_for_rest'
  | 'gateway_auth'
  | 'total_requests'
  | 'concurrent_requests'
  | 'gateway_throttled'
  | 'lock_row'
  | 'unavailable'
  | 'multiple_matches'
  | 'other';

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

/** Sorts an HTTP error from Salesforce or its API gateway into a {@link FailureKind}. */
export function failureKind(error: unknown): FailureKind {
  if (!isHttpError(error)) return 'other';
  const items = salesforceErrorItems(error.body);
  const first = items?.[0];
  // APIM answers with an object `{statusCode, message}`; Salesforce with an array.
  const gateway =
    !Array.isArray(error.body) &&
    typeof error.body === 'object' &&
    error.body !== null &&
    'statusCode' in error.body &&
    typeof (error.body as { statusCode: unknown }).statusCode === 'number';
  switch (error.status) {
    case 300:
      return 'multiple_matches';
    case 401:
      if (gateway) return 'gateway_auth';
      if (first?.errorCode === 'INVALID_SESSION_ID' && /not valid for use with the REST API/i.test(first.message))
        return 'session_not_valid_for_rest';
      if (first?.errorCode === 'INVALID_SESSION_ID') return 'session_expired';
      return 'session_not_valid_for_rest';
    case 403:
      if (gateway) return 'gateway_throttled';
      if (first?.errorCode === 'REQUEST_LIMIT_EXCEEDED')
        return /TotalRequests/i.test(first.message) ? 'total_requests' : 'concurrent_requests';
      return 'other';
    case 429:
      return 'gateway_throttled';
  }
  if (first?.errorCode === 'UNABLE_TO_LOCK_ROW') return 'lock_row';
  if (first?.errorCode === 'SERVER_UNAVAILABLE' || RETRYABLE_STATUS.has(error.status)) return 'unavailable';
  return 'other';
}

/**
 * The classifier Salesforce calls run under (sdk-core resilience). Retries 5xx, `SERVER_UNAVAILABLE`,
 * HTML 503s, ConcurrentRequests and `UNABLE_TO_LOCK_ROW`; honours the gateway's 429/403
 * `Retry-After`; never retries validation errors, 404, 300, auth failures or a spent daily
 * allocation. Whether a non-idempotent create may be replayed is left to the policy (it is not).
 * A session expiry is `reauthenticate`: the client refreshes once per generation and replays.
 */
export const salesforceClassifier: ErrorClassifier = (
  error: unknown,
  _context: ClassifyContext,
): RetryDecision | undefined => {
  // A gateway's quota or rate limit says when it lets calls through again: a job can wait that long.
  if (isSalesforceLimitError(error))
    return error.retryAfterMs !== undefined && (error.kind === 'gateway_quota' || error.kind === 'gateway_rate_limit')
      ? { action: 'retry_after', delayMs: error.retryAfterMs }
      : { action: 'fatal' };
  if (isSalesforceAuthError(error) || isSalesforceMultipleMatchesError(error)) return { action: 'fatal' };
  if (isSalesforceApiError(error)) {
    if (error.errorCode === 'UNABLE_TO_LOCK_ROW' || error.errorCode === 'SERVER_UNAVAILABLE' || error.status >= 500)
      return { action: 'retry' };
    if (error.errorCode === 'REQUEST_LIMIT_EXCEEDED' && !/TotalRequests/i.test(error.message))
      return { action: 'retry' };
    return { action: 'fatal' };
  }
  if (!isHttpError(error)) return undefined;
  switch (failureKind(error)) {
    case 'session_expired':
      return { action: 'reauthenticate' };
    case 'gateway_throttled':
      return error.retryAfterMs !== undefined
        ? { action: 'retry_after', delayMs: error.retryAfterMs }
        : { action: 'retry' };
    case 'concurrent_requests':
    case 'lock_row':
    case 'unavailable':
      return error.retryAfterMs !== undefined
        ? { action: 'retry_after', delayMs: error.retryAfterMs }
        : { action: 'retry' };
    default:
      return { action: 'fatal' };
  }
};

/** True when the failure proves Salesforce did nothing, so even a plain create may be sent again. */
export function rejectedBeforeProcessing(kind: FailureKind): boolean {
  return kind === 'gateway_throttled' || kind === 'concurrent_requests' || kind === 'lock_row';
}
