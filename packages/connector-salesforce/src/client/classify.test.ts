import { HttpError } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { SalesforceApiError, SalesforceAuthError, SalesforceLimitError } from '../errors/index.js';
import { failureKind, salesforceClassifier } from './classify.js';

const http = (status: number, body: unknown, retryAfterMs?: number) =>
  new HttpError({
    status,
    headers: {},
    body,
    method: 'PATCH',
    url: 'https://x/services/data/v62.0/sobjects/Contact/Ext__c/1',
    upstream: 'salesforce',
    retryAfterMs,
  });
const sf = (errorCode: string, message: string) => [{ errorCode, message }];
const ctx = { attempt: 1, idempotent: true };

describe('salesforceClassifier', () => {
  it.each([
    [
      'session expiry',
      http(401, sf('INVALID_SESSION_ID', 'Session expired or invalid')),
      'session_expired',
      { action: 'reauthenticate' },
    ],
    [
      'REST-invalid session',
      http(401, sf('INVALID_SESSION_ID', 'This session is not valid for use with the REST API')),
      'session_not_valid_for_rest',
      { action: 'fatal' },
    ],
    [
      'APIM key 401',
      http(401, { statusCode: 401, message: 'Access denied due to missing subscription key.' }),
      'gateway_auth',
      { action: 'fatal' },
    ],
    [
      'TotalRequests',
      http(403, sf('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')),
      'total_requests',
      { action: 'fatal' },
    ],
    [
      'ConcurrentRequests',
      http(403, sf('REQUEST_LIMIT_EXCEEDED', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.')),
      'concurrent_requests',
      { action: 'retry' },
    ],
    [
      'APIM quota 403',
      http(403, { statusCode: 403, message: 'Out of call volume quota.' }, 5000),
      'gateway_throttled',
      { action: 'retry_after', delayMs: 5000 },
    ],
    [
      'APIM 429',
      http(429, { statusCode: 429, message: 'Rate limit is exceeded. Try again in 2 seconds.' }, 2000),
      'gateway_throttled',
      { action: 'retry_after', delayMs: 2000 },
    ],
    [
      'lock row',
      http(400, sf('UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record')),
      'lock_row',
      { action: 'retry' },
    ],
    [
      'validation',
      http(400, sf('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]')),
      'other',
      { action: 'fatal' },
    ],
    ['not found', http(404, sf('NOT_FOUND', 'The requested resource does not exist')), 'other', { action: 'fatal' }],
    [
      '300',
      http(300, ['/services/data/v62.0/sobjects/Contact/003A', '/services/data/v62.0/sobjects/Contact/003B']),
      'multiple_matches',
      { action: 'fatal' },
    ],
    ['HTML 503', http(503, '<html><title>503 Service Unavailable</title></html>'), 'unavailable', { action: 'retry' }],
    [
      'SERVER_UNAVAILABLE',
      http(503, sf('SERVER_UNAVAILABLE', 'Server is unavailable')),
      'unavailable',
      { action: 'retry' },
    ],
    ['500', http(500, sf('UNKNOWN_EXCEPTION', 'An unexpected error occurred')), 'unavailable', { action: 'retry' }],
  ])('%s', (_name, error, kind, decision) => {
    expect(failureKind(error)).toBe(kind);
    expect(salesforceClassifier(error, ctx)).toEqual(decision);
  });

  it('classifies the typed errors the client throws (for job retries)', () => {
    expect(
      salesforceClassifier(new SalesforceApiError(400, [{ errorCode: 'UNABLE_TO_LOCK_ROW', message: 'x' }]), ctx),
    ).toEqual({ action: 'retry' });
    expect(
      salesforceClassifier(new SalesforceApiError(400, [{ errorCode: 'INVALID_FIELD', message: 'x' }]), ctx),
    ).toEqual({ action: 'fatal' });
    expect(salesforceClassifier(new SalesforceAuthError('no', { reason: 'session_not_valid_for_rest' }), ctx)).toEqual({
      action: 'fatal',
    });
    expect(salesforceClassifier(new SalesforceLimitError('spent', { kind: 'total_requests' }), ctx)).toEqual({
      action: 'fatal',
    });
    expect(
      salesforceClassifier(new SalesforceLimitError('quota', { kind: 'gateway_quota', retryAfterMs: 3_600_000 }), ctx),
    ).toEqual({ action: 'retry_after', delayMs: 3_600_000 });
    expect(salesforceClassifier(new Error('other'), ctx)).toBeUndefined();
  });
});
