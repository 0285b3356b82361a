import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode, isAbortedError } from '../errors/index.js';
import {
  isBulkheadRejectedError,
  isCircuitOpenError,
  isHttpError,
  isUpstreamNetworkError,
  isUpstreamTimeoutError,
} from '../errors/http.js';
import { createResiliencePolicy } from '../resilience/policy.js';
import type { CircuitStateName } from '../resilience/types.js';
import { HttpClient } from './client.js';
import type { RequestEndEvent, RequestStartEvent } from './types.js';

const ORIGIN = 'https://api.upstream.test';
const JSON_HEADERS = { 'content-type': 'application/json' };

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

const fastRetry = { initialDelayMs: 1, maxDelayMs: 5 };

describe('HttpClient over MockAgent', () => {
  it('429 with Retry-After → 503 HTML → 200: waits as told, surfaces the HTML text, reports each attempt', async () => {
    const upstream = agent.get(ORIGIN);
    upstream
      .intercept({ path: '/v1/things/1', method: 'GET' })
      .reply(429, { error: 'slow down' }, { headers: { ...JSON_HEADERS, 'retry-after': '1' } });
    upstream
      .intercept({ path: '/v1/things/1', method: 'GET' })
      .reply(503, '<html><body><h1>Service Unavailable</h1></body></html>', {
        headers: { 'content-type': 'text/html' },
      });
    upstream
      .intercept({ path: '/v1/things/1', method: 'GET' })
      .reply(200, { id: '1', name: 'thing' }, { headers: JSON_HEADERS });

    const retries: Array<{ attempt: number; delayMs: number; error: unknown }> = [];
    const ends: RequestEndEvent[] = [];
    const starts: RequestStartEvent[] = [];
    const http = new HttpClient({
      baseUrl: `${ORIGIN}/v1`,
      dispatcher: agent,
      policy: createResiliencePolicy({ retry: { maxAttempts: 3, ...fastRetry }, onRetry: (e) => retries.push(e) }),
      hooks: { onRequestStart: (e) => starts.push(e), onRequestEnd: (e) => ends.push(e) },
      tracer: false,
    });
    const started = Date.now();
    const response = await http.request<{ id: string; name: string }>({
      method: 'GET',
      path: 'things/1',
      route: '/things/:id',
    });
    const elapsed = Date.now() - started;

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: '1', name: 'thing' });
    expect(response.attempts).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(1000);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(1100);
    const rateLimited = retries[0]!.error;
    expect(isHttpError(rateLimited, 429) && rateLimited.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(isHttpError(rateLimited) && rateLimited.retryAfterMs).toBe(1000);
    expect(isHttpError(rateLimited) && rateLimited.body).toEqual({ error: 'slow down' });
    const unavailable = retries[1]!.error;
    expect(isHttpError(unavailable, 503) && unavailable.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(isHttpError(unavailable) && unavailable.body).toBe('<html><body><h1>Service Unavailable</h1></body></html>');
    expect(retries[1]!.delayMs).toBeLessThan(10);

    expect(starts.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(ends.map((e) => [e.attempt, e.status, e.errorCode])).toEqual([
      [1, 429, 'UPSTREAM_RATE_LIMITED'],
      [2, 503, 'UPSTREAM_UNAVAILABLE'],
      [3, 200, undefined],
    ]);
    expect(ends[0]).toMatchObject({
      method: 'GET',
      host: 'api.upstream.test',
      route: '/things/:id',
      upstream: 'api.upstream.test',
    });
    await http.close();
  });

  it('Retry-After as an HTTP-date is honoured', async () => {
    const upstream = agent.get(ORIGIN);
    // HTTP-dates have one-second resolution: 2 s ahead means a wait between 1 and 2 s.
    const at = new Date(Date.now() + 2000).toUTCString();
    upstream.intercept({ path: '/limited', method: 'GET' }).reply(429, '', { headers: { 'retry-after': at } });
    upstream
      .intercept({ path: '/limited', method: 'GET' })
      .reply(200, 'ok', { headers: { 'content-type': 'text/plain' } });
    const delays: number[] = [];
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: createResiliencePolicy({ retry: fastRetry, onRetry: (e) => delays.push(e.delayMs) }),
    });
    const started = Date.now();
    const response = await http.request({ method: 'GET', path: '/limited' });
    expect(response.body).toBe('ok');
    expect(delays[0]).toBeGreaterThan(900);
    expect(delays[0]).toBeLessThanOrEqual(2200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('fails fast when Retry-After exceeds maxRetryAfterMs', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/limited', method: 'GET' })
      .reply(429, 'later', { headers: { 'retry-after': '3600' } });
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { retry: { ...fastRetry, maxRetryAfterMs: 5_000 } },
    });
    const started = Date.now();
    const error = await http.request({ method: 'GET', path: '/limited' }).catch((e: unknown) => e);
    expect(isHttpError(error, 429) && error.retryAfterMs).toBe(3_600_000);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('never replays a POST that is not marked idempotent', async () => {
    agent.get(ORIGIN).intercept({ path: '/orders', method: 'POST' }).reply(503, 'busy');
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { retry: { maxAttempts: 5, ...fastRetry } },
    });
    const error = await http.request({ method: 'POST', path: '/orders', json: { sku: 'A' } }).catch((e: unknown) => e);
    expect(hasErrorCode(error, 'UPSTREAM_UNAVAILABLE')).toBe(true);
    // assertNoPendingInterceptors in afterEach + exactly one interceptor: it was sent once.
  });

  it('does not replay a GET explicitly marked idempotent: false', async () => {
    agent.get(ORIGIN).intercept({ path: '/side-effect', method: 'GET' }).reply(503, 'busy');
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { retry: { maxAttempts: 3, ...fastRetry } },
    });
    const error = await http
      .request({ method: 'GET', path: '/side-effect', idempotent: false })
      .catch((e: unknown) => e);
    expect(hasErrorCode(error, 'UPSTREAM_UNAVAILABLE')).toBe(true);
  });

  it('replays a POST marked idempotent, sending the same JSON body', async () => {
    const bodies: string[] = [];
    const upstream = agent.get(ORIGIN);
    for (const [statusCode, data] of [
      [502, 'bad gateway'],
      [201, { id: 'o-1' }],
    ] as const) {
      upstream.intercept({ path: '/orders', method: 'POST' }).reply((opts) => {
        bodies.push(String(opts.body));
        return { statusCode, data, responseOptions: { headers: JSON_HEADERS } };
      });
    }
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { retry: { maxAttempts: 3, ...fastRetry } },
    });
    const response = await http.request({
      method: 'POST',
      path: '/orders',
      json: { sku: 'A' },
      idempotent: true,
      headers: { 'Idempotency-Key': '"k-1"' },
    });
    expect(response).toMatchObject({ status: 201, body: { id: 'o-1' }, attempts: 2 });
    expect(bodies).toEqual(['{"sku":"A"}', '{"sku":"A"}']);
  });

  it('sends form bodies, query strings and default headers; absolute URLs go to their own origin', async () => {
    let seen: Record<string, unknown> = {};
    agent
      .get(ORIGIN)
      .intercept({ path: '/oauth/token', method: 'POST', body: 'grant_type=client_credentials&scope=a+b' })
      .reply((opts) => {
        seen = opts.headers as Record<string, unknown>;
        return { statusCode: 200, data: { access_token: 'x' }, responseOptions: { headers: JSON_HEADERS } };
      });
    agent
      .get('https://other.test')
      .intercept({ path: '/next?page=2&q=a%20b', method: 'GET' })
      .reply(200, { done: true }, { headers: JSON_HEADERS });
    const http = new HttpClient({
      baseUrl: `${ORIGIN}/`,
      defaultHeaders: { 'Ocp-Apim-Subscription-Key': 'sub-key' },
      dispatcher: agent,
      tracer: false,
    });
    await http.request({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'client_credentials', scope: 'a b', unused: undefined },
    });
    expect(seen['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen['ocp-apim-subscription-key']).toBe('sub-key');
    const next = await http.request({
      method: 'GET',
      path: 'https://other.test/next?page=2',
      query: { q: 'a b', skip: undefined },
    });
    expect(next.body).toEqual({ done: true });
  });

  it('opens the breaker after N failures, rejects with CIRCUIT_OPEN, then half-opens and closes', async () => {
    const upstream = agent.get(ORIGIN);
    upstream.intercept({ path: '/health', method: 'GET' }).reply(500, 'boom').times(3);
    upstream.intercept({ path: '/health', method: 'GET' }).reply(200, 'fine');
    const states: CircuitStateName[] = [];
    const policy = createResiliencePolicy({ retry: false, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 50 } });
    policy.onCircuitStateChange((s) => states.push(s));
    const http = new HttpClient({ baseUrl: ORIGIN, dispatcher: agent, tracer: false, policy });
    for (let i = 0; i < 3; i++)
      expect(
        hasErrorCode(await http.request({ method: 'GET', path: '/health' }).catch((e: unknown) => e), 'UPSTREAM_HTTP'),
      ).toBe(true);
    expect(policy.circuitState).toBe('open');
    const rejected = await http.request({ method: 'GET', path: '/health' }).catch((e: unknown) => e);
    expect(isCircuitOpenError(rejected) && rejected.state).toBe('open');
    await new Promise((r) => setTimeout(r, 60));
    const ok = await http.request({ method: 'GET', path: '/health' });
    expect(ok.body).toBe('fine');
    expect(policy.circuitState).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('the policy timeout aborts a slow attempt (UPSTREAM_TIMEOUT) and the retry succeeds', async () => {
    const upstream = agent.get(ORIGIN);
    upstream.intercept({ path: '/slow', method: 'GET' }).reply(200, 'late').delay(500);
    upstream.intercept({ path: '/slow', method: 'GET' }).reply(200, 'quick');
    const ends: RequestEndEvent[] = [];
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      hooks: { onRequestEnd: (e) => ends.push(e) },
      policy: { timeoutMs: 50, retry: fastRetry },
    });
    const started = Date.now();
    const response = await http.request({ method: 'GET', path: '/slow' });
    expect(response.body).toBe('quick');
    expect(Date.now() - started).toBeLessThan(400);
    expect(ends[0]!.errorCode).toBe('UPSTREAM_TIMEOUT');
  });

  it('a timeout with retries exhausted rejects with UpstreamTimeoutError', async () => {
    agent.get(ORIGIN).intercept({ path: '/slow', method: 'GET' }).reply(200, 'late').delay(300);
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { timeoutMs: 30, retry: false },
    });
    const error = await http.request({ method: 'GET', path: '/slow' }).catch((e: unknown) => e);
    expect(isUpstreamTimeoutError(error) && error.phase).toBe('policy');
    // Nothing to drain: the abort cancelled the mock's delayed reply (afterEach finds no interceptor pending).
  });

  it("the caller's abort stops the request with ABORTED and no retry", async () => {
    agent.get(ORIGIN).intercept({ path: '/slow', method: 'GET' }).reply(200, 'late').delay(300);
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { retry: { maxAttempts: 5, ...fastRetry } },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user gave up')), 20);
    const started = Date.now();
    const error = await http
      .request({ method: 'GET', path: '/slow', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(isAbortedError(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('aborting during a Retry-After wait ends the wait at once', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/limited', method: 'GET' })
      .reply(429, '', { headers: { 'retry-after': '30' } });
    const http = new HttpClient({ baseUrl: ORIGIN, dispatcher: agent, tracer: false, policy: { retry: fastRetry } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const error = await http
      .request({ method: 'GET', path: '/limited', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(isAbortedError(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('rejects with BULKHEAD_REJECTED beyond max in flight', async () => {
    const upstream = agent.get(ORIGIN);
    upstream.intercept({ path: '/busy', method: 'GET' }).reply(200, 'a').delay(50).times(2);
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { bulkhead: { maxInFlight: 2 }, retry: fastRetry },
    });
    const results = await Promise.allSettled([1, 2, 3].map(() => http.request({ method: 'GET', path: '/busy' })));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const reason = (results[2] as PromiseRejectedResult).reason;
    expect(isBulkheadRejectedError(reason) && reason.code).toBe('BULKHEAD_REJECTED');
  });

  it('a 401 re-authenticates and replays once with fresh credentials, even for a POST', async () => {
    const auths: unknown[] = [];
    const upstream = agent.get(ORIGIN);
    for (const status of [401, 201]) {
      upstream.intercept({ path: '/messages', method: 'POST' }).reply((opts) => {
        auths.push((opts.headers as Record<string, string>).authorization);
        return {
          statusCode: status,
          data: status === 201 ? { id: 'm1' } : { error: 'invalid_token' },
          responseOptions: { headers: JSON_HEADERS },
        };
      });
    }
    let token = 'old-token';
    let refreshed = 0;
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { retry: { maxAttempts: 1 } },
      auth: {
        headers: () => ({ Authorization: `Bearer ${token}` }),
        reauthenticate: async () => {
          refreshed++;
          token = 'new-token';
        },
      },
    });
    const response = await http.request({ method: 'POST', path: '/messages', json: { text: 'hi' } });
    expect(response).toMatchObject({ status: 201, attempts: 2 });
    expect(refreshed).toBe(1);
    expect(auths).toEqual(['Bearer old-token', 'Bearer new-token']);
  });

  it('a second 401 after re-authenticating is final (UPSTREAM_AUTH)', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/me', method: 'GET' })
      .reply(401, { error: 'nope' }, { headers: JSON_HEADERS })
      .times(2);
    let refreshed = 0;
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: { retry: fastRetry },
      auth: {
        headers: () => ({}),
        reauthenticate: async () => {
          refreshed++;
        },
      },
    });
    const error = await http.request({ method: 'GET', path: '/me' }).catch((e: unknown) => e);
    expect(hasErrorCode(error, 'UPSTREAM_AUTH')).toBe(true);
    expect(refreshed).toBe(1);
  });

  it('a connection error (ECONNRESET) is UPSTREAM_NETWORK and retried for GET', async () => {
    const upstream = agent.get(ORIGIN);
    upstream
      .intercept({ path: '/flaky', method: 'GET' })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    upstream.intercept({ path: '/flaky', method: 'GET' }).reply(200, 'ok');
    const ends: RequestEndEvent[] = [];
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      hooks: { onRequestEnd: (e) => ends.push(e) },
      policy: { retry: fastRetry },
    });
    expect((await http.request({ method: 'GET', path: '/flaky' })).body).toBe('ok');
    expect(ends.map((e) => e.errorCode)).toEqual(['UPSTREAM_NETWORK', undefined]);
  });

  it('4xx is fatal by default and carries the parsed JSON body', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/things', method: 'PUT' })
      .reply(400, [{ message: 'bad field', errorCode: 'INVALID_FIELD' }], { headers: JSON_HEADERS });
    const http = new HttpClient({ baseUrl: ORIGIN, dispatcher: agent, tracer: false, policy: { retry: fastRetry } });
    const error = await http.request({ method: 'PUT', path: '/things', json: {} }).catch((e: unknown) => e);
    expect(isHttpError(error, 400) && error.body).toEqual([{ message: 'bad field', errorCode: 'INVALID_FIELD' }]);
    expect(isHttpError(error) && error.code).toBe('UPSTREAM_HTTP');
  });

  it('a connector classifier overrides the default (retry a 400 lock error)', async () => {
    const upstream = agent.get(ORIGIN);
    upstream
      .intercept({ path: '/rows', method: 'PATCH' })
      .reply(400, [{ errorCode: 'UNABLE_TO_LOCK_ROW' }], { headers: JSON_HEADERS });
    upstream.intercept({ path: '/rows', method: 'PATCH' }).reply(204, '');
    const http = new HttpClient({
      baseUrl: ORIGIN,
      dispatcher: agent,
      tracer: false,
      policy: {
        retry: fastRetry,
        classify: (e) =>
          isHttpError(e, 400) && JSON.stringify(e.body).includes('UNABLE_TO_LOCK_ROW')
            ? { action: 'retry' }
            : undefined,
      },
    });
    const response = await http.request({ method: 'PATCH', path: '/rows', json: { a: 1 }, idempotent: true });
    expect(response).toMatchObject({ status: 204, body: undefined, attempts: 2 });
  });

  it('isolate() opens the circuit by hand until reset', async () => {
    agent.get(ORIGIN).intercept({ path: '/x', method: 'GET' }).reply(200, 'ok');
    const policy = createResiliencePolicy({ name: 'mahak' });
    const http = new HttpClient({ baseUrl: ORIGIN, dispatcher: agent, tracer: false, policy });
    policy.isolate('daily allowance spent');
    expect(policy.circuitState).toBe('isolated');
    const error = await http.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(isCircuitOpenError(error) && error.state).toBe('isolated');
    expect(isCircuitOpenError(error) && error.message).toContain('daily allowance spent');
    policy.reset();
    expect((await http.request({ method: 'GET', path: '/x' })).body).toBe('ok');
  });

  it('creates an OpenTelemetry client span per attempt through an injected tracer', async () => {
    const upstream = agent.get(ORIGIN);
    upstream.intercept({ path: '/t?access_token=s3cret', method: 'GET' }).reply(503, '');
    upstream.intercept({ path: '/t?access_token=s3cret', method: 'GET' }).reply(200, 'ok');
    const spans: Array<{
      name: string;
      kind: number | undefined;
      attrs: Record<string, unknown>;
      status?: number;
      ended: boolean;
    }> = [];
    const tracer = {
      startSpan(name: string, options?: { kind?: number }) {
        const span = {
          name,
          kind: options?.kind,
          attrs: {} as Record<string, unknown>,
          status: undefined as number | undefined,
          ended: false,
        };
        spans.push(span);
        return {
          isRecording: () => true,
          setAttribute: (k: string, v: unknown) => {
            span.attrs[k] = v;
          },
          setStatus: (s: { code: number }) => {
            span.status = s.code;
          },
          end: () => {
            span.ended = true;
          },
        };
      },
    };
    const http = new HttpClient({ baseUrl: ORIGIN, dispatcher: agent, tracer, policy: { retry: fastRetry } });
    await http.request({ method: 'GET', path: '/t?access_token=s3cret', route: '/t' });
    expect(spans).toHaveLength(2);
    expect(spans[0]).toMatchObject({
      name: 'GET /t',
      kind: 2,
      status: 2,
      ended: true,
      attrs: {
        'http.request.method': 'GET',
        'server.address': 'api.upstream.test',
        'http.response.status_code': 503,
        'error.type': 'UPSTREAM_UNAVAILABLE',
      },
    });
    expect(spans[0]!.attrs['url.full']).not.toContain('s3cret');
    expect(spans[1]!.attrs).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1 });
  });
});

describe('error guards', () => {
  it('brand guards ignore look-alikes without the relaykit brand', () => {
    expect(isUpstreamNetworkError({ isUpstreamNetworkError: true })).toBe(false);
    expect(isHttpError(new Error('x'))).toBe(false);
  });
});
