import { describe, expect, it } from 'vitest';
import { RelaykitApiError, isRelaykitApiError, parseRetryAfter } from './api-error.js';

const problemResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates as ms; unreadable or absent is undefined', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('RelaykitApiError.fromResponse', () => {
  it('carries status, code, title, detail, Retry-After and the whole problem', async () => {
    const body = {
      type: '/docs#problem-RATE_LIMIT_EXCEEDED',
      title: 'Too many requests',
      status: 429,
      code: 'RATE_LIMIT_EXCEEDED',
      detail: 'Limit 50 per 1s',
      retryAfterSeconds: 9,
    };
    const response = problemResponse(429, body, { 'retry-after': '2' });
    const error = RelaykitApiError.fromResponse(response, await response.json());
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', title: 'Too many requests' });
    expect(error.detail).toBe('Limit 50 per 1s');
    // The header wins over the body's hint.
    expect(error.retryAfterMs).toBe(2000);
    expect(error.problem).toEqual(body);
    expect(error.message).toBe('RATE_LIMIT_EXCEEDED: Limit 50 per 1s');
    expect(isRelaykitApiError(error)).toBe(true);
  });

  it("falls back to the problem's retryAfterSeconds without the header", () => {
    const error = RelaykitApiError.fromResponse(problemResponse(503, {}), {
      type: '/docs#problem-UNAVAILABLE',
      title: 'Shutting down',
      status: 503,
      code: 'UNAVAILABLE',
      retryAfterSeconds: 4,
    });
    expect(error.retryAfterMs).toBe(4000);
    expect(error.detail).toBeUndefined();
  });

  it('a body that is not a problem (a proxy page) is HTTP_<status> with the raw body kept', () => {
    const response = new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const error = RelaykitApiError.fromResponse(response, '<html>bad gateway</html>');
    expect(error).toMatchObject({ status: 502, code: 'HTTP_502', title: 'Bad Gateway' });
    expect(error.problem).toEqual({ status: 502, body: '<html>bad gateway</html>' });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('isRelaykitApiError: the brand, not the class (another copy of the package), and nothing else', () => {
    expect(isRelaykitApiError({ isRelaykitApiError: true, status: 400 })).toBe(true);
    expect(isRelaykitApiError(new Error('x'))).toBe(false);
    expect(isRelaykitApiError(null)).toBe(false);
    expect(isRelaykitApiError('RelaykitApiError')).toBe(false);
  });
});
