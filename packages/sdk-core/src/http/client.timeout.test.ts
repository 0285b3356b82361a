// Regression suite of issue 3: a resilience policy's own per-attempt timeout must surface as
// UPSTREAM_TIMEOUT (retryable) even when the attempt's signal is handed to an HttpClient as the
// request's `signal`; only the caller's own abort is ABORTED (never retried). Real loopback server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from '@relaykit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { hasErrorCode, isRelaykitError } from '../errors/index.js';
import { isUpstreamTimeoutError } from '../errors/http.js';
import { createResiliencePolicy, type RetryEvent } from '../resilience/policy.js';
import { HttpClient } from './client.js';

interface Stalling {
  url: string;
  /** Requests received so far. */
  requests: () => number;
  close(): Promise<void>;
}

/** Answers `ok` from request number `answerFrom` on; earlier requests stall (never answered). */
async function stallingServer(answerFrom = Infinity): Promise<Stalling> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    if (++n >= answerFrom) res.end('ok');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

async function setup(
  answerFrom: number,
  policy?: ConstructorParameters<typeof HttpClient>[0] extends infer O
    ? O extends { policy?: infer P }
      ? P
      : never
    : never,
) {
  const server = await stallingServer(answerFrom);
  const http = new HttpClient({ baseUrl: server.url, tracer: false, ...(policy ? { policy } : {}) });
  cleanup.push(
    () => http.close(),
    () => server.close(),
  );
  return { server, http };
}

const codeOf = (e: unknown) => (isRelaykitError(e) ? e.code : String(e));

/** Resolves once the server has received `n` requests (so an abort lands mid-request, however slow the machine). */
const untilRequests = (server: Stalling, n: number) =>
  waitFor(() => server.requests() >= n, `${n} request(s) at the server`, { timeoutMs: 10_000, intervalMs: 5 });

describe("a policy's per-attempt timeout around HttpClient (the attempt's signal as the request signal)", () => {
  it('is UPSTREAM_TIMEOUT and retried until the server answers', async () => {
    const { server, http } = await setup(3);
    const retries: RetryEvent[] = [];
    const policy = createResiliencePolicy({
      name: 'stalling',
      timeoutMs: 80,
      retry: { maxAttempts: 3, initialDelayMs: 1 },
      breaker: false,
      onRetry: (e) => retries.push(e),
    });
    const body = await policy.execute(
      async ({ signal }) =>
        (await http.request<string>({ method: 'POST', path: '/x', json: {}, signal, idempotent: true })).body,
    );
    expect(body).toBe('ok');
    expect(server.requests()).toBe(3);
    expect(retries.map((r) => [r.attempt, codeOf(r.error), r.decision])).toEqual([
      [1, 'UPSTREAM_TIMEOUT', 'retry'],
      [2, 'UPSTREAM_TIMEOUT', 'retry'],
    ]);
    expect(retries.every((r) => isUpstreamTimeoutError(r.error) && r.error.phase === 'policy')).toBe(true);
  });

  it('is UPSTREAM_TIMEOUT when every attempt stalls, also through an HttpClient that has its own policy', async () => {
    const { server, http } = await setup(Infinity, { retry: false, breaker: false, timeoutMs: 10_000 });
    const outer = createResiliencePolicy({
      timeoutMs: 60,
      retry: { maxAttempts: 2, initialDelayMs: 1 },
      breaker: false,
    });
    const started = Date.now();
    const error = await outer
      .execute(({ signal }) => http.request({ method: 'GET', path: '/y', signal }))
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe('UPSTREAM_TIMEOUT');
    expect(isUpstreamTimeoutError(error) && error.phase).toBe('policy');
    expect(server.requests()).toBe(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("the caller's own abort is ABORTED and never retried", async () => {
    const { server, http } = await setup(Infinity);
    const policy = createResiliencePolicy({
      timeoutMs: 5_000,
      retry: { maxAttempts: 3, initialDelayMs: 1 },
      breaker: false,
    });
    const controller = new AbortController();
    const pending = policy
      .execute(({ signal }) => http.request({ method: 'GET', path: '/z', signal }), { signal: controller.signal })
      .catch((e: unknown) => e);
    await untilRequests(server, 1);
    controller.abort(new Error('shutting down'));
    expect(codeOf(await pending)).toBe('ABORTED');
    await new Promise((r) => setTimeout(r, 100)); // a retry (1 ms back-off) would have arrived by now
    expect(server.requests()).toBe(1);
  });
});

describe("HttpClient's own policy timeout", () => {
  it('is UPSTREAM_TIMEOUT and retried: the second attempt succeeds', async () => {
    const { server, http } = await setup(2, {
      timeoutMs: 80,
      retry: { maxAttempts: 3, initialDelayMs: 1 },
      breaker: false,
    });
    const response = await http.request<string>({ method: 'GET', path: '/a' });
    expect(response).toMatchObject({ body: 'ok', attempts: 2 });
    expect(server.requests()).toBe(2);
  });

  it("the caller's abort is ABORTED after one request, not retried", async () => {
    const { server, http } = await setup(Infinity, {
      timeoutMs: 5_000,
      retry: { maxAttempts: 3, initialDelayMs: 1 },
      breaker: false,
    });
    const controller = new AbortController();
    const pending = http.request({ method: 'GET', path: '/b', signal: controller.signal }).catch((e: unknown) => e);
    await untilRequests(server, 1);
    // The reason AbortSignal.timeout() gives: a caller's own deadline is still the caller's abort, not an upstream timeout.
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    expect(hasErrorCode(await pending, 'ABORTED')).toBe(true);
    await new Promise((r) => setTimeout(r, 100)); // a retry (1 ms back-off) would have arrived by now
    expect(server.requests()).toBe(1);
  });

  it('a caller signal that is an outer attempt aborted by its timeout before the request started is a timeout too', async () => {
    const { server, http } = await setup(1);
    const outer = createResiliencePolicy({ timeoutMs: 30, retry: false, breaker: false });
    const error = await outer
      .execute(async ({ signal }) => {
        await new Promise((r) => setTimeout(r, 60));
        return http.request({ method: 'GET', path: '/late', signal });
      })
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe('UPSTREAM_TIMEOUT');
    expect(server.requests()).toBe(0);
  });
});
