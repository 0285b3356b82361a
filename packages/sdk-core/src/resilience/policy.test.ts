import { describe, expect, it } from 'vitest';
import { RelaykitError, hasErrorCode, isAbortedError } from '../errors/index.js';
import {
  HttpError,
  UpstreamNetworkError,
  isBulkheadRejectedError,
  isCircuitOpenError,
  isUpstreamTimeoutError,
} from '../errors/http.js';
import { defaultBreakerFailure, defaultClassifier } from './classify.js';
import { createResiliencePolicy, type RetryEvent } from './policy.js';
import type { CircuitStateName } from './types.js';

const httpError = (status: number, retryAfterMs?: number) =>
  new HttpError({
    status,
    headers: {},
    body: undefined,
    method: 'GET',
    url: 'https://h/x',
    upstream: 'h',
    retryAfterMs,
  });
const netError = () => new UpstreamNetworkError('reset', { errno: 'ECONNRESET' });

/** A function failing with the given errors in turn, then answering 'ok'. */
function script(...errors: unknown[]) {
  const calls: number[] = [];
  return {
    calls,
    fn: async ({ attempt }: { attempt: number }) => {
      calls.push(attempt);
      const error = errors.shift();
      if (error !== undefined) throw error;
      return 'ok';
    },
  };
}

describe('createResiliencePolicy', () => {
  it('retries retryable errors with growing, jittered back-off up to maxAttempts', async () => {
    const events: RetryEvent[] = [];
    const policy = createResiliencePolicy({
      retry: { maxAttempts: 4, initialDelayMs: 4, exponent: 2 },
      breaker: false,
      onRetry: (e) => events.push(e),
      random: () => 1,
    });
    const { fn, calls } = script(netError(), httpError(500), httpError(502));
    expect(await policy.execute(fn)).toBe('ok');
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(events.map((e) => e.delayMs)).toEqual([4, 8, 16]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const policy = createResiliencePolicy({ retry: { maxAttempts: 2, initialDelayMs: 1 }, breaker: false });
    const last = httpError(503);
    const { fn, calls } = script(httpError(503), last);
    await expect(policy.execute(fn)).rejects.toBe(last);
    expect(calls).toEqual([1, 2]);
  });

  it('never retries when idempotent is false', async () => {
    const policy = createResiliencePolicy({ retry: { maxAttempts: 5, initialDelayMs: 1 } });
    const { fn, calls } = script(netError());
    await expect(policy.execute(fn, { idempotent: false })).rejects.toSatisfy((e) =>
      hasErrorCode(e, 'UPSTREAM_NETWORK'),
    );
    expect(calls).toEqual([1]);
  });

  it('clamps a retry_after hint into [backoff, maxRetryAfterMs] and fails fast above the max', async () => {
    const events: RetryEvent[] = [];
    const policy = createResiliencePolicy({
      retry: { initialDelayMs: 1, maxRetryAfterMs: 100 },
      breaker: false,
      random: () => 0,
      onRetry: (e) => events.push(e),
      classify: (error) =>
        error instanceof RelaykitError && error.code === 'X_WAIT'
          ? { action: 'retry_after', delayMs: error.details?.wait as number }
          : undefined,
    });
    const wait = (ms: number) => new RelaykitError('X_WAIT', 'wait', { details: { wait: ms } });
    const { fn } = script(wait(30));
    const started = Date.now();
    expect(await policy.execute(fn)).toBe('ok');
    expect(events[0]!.delayMs).toBe(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(28);
    const tooLong = wait(101);
    const second = script(tooLong);
    await expect(policy.execute(second.fn)).rejects.toBe(tooLong);
    expect(second.calls).toEqual([1]);
  });

  it('re-authenticates and replays once, even for non-idempotent work, then stops', async () => {
    let refreshed = 0;
    const policy = createResiliencePolicy({ retry: { maxAttempts: 1 } });
    const ok = script(httpError(401));
    expect(
      await policy.execute(ok.fn, {
        idempotent: false,
        reauthenticate: async () => {
          refreshed++;
        },
      }),
    ).toBe('ok');
    expect(ok.calls).toEqual([1, 2]);
    const twice = script(httpError(401), httpError(401));
    await expect(
      policy.execute(twice.fn, {
        reauthenticate: async () => {
          refreshed++;
        },
      }),
    ).rejects.toSatisfy((e) => hasErrorCode(e, 'UPSTREAM_AUTH'));
    expect(refreshed).toBe(2);
    // Without a reauthenticate function a 401 is simply final.
    const none = script(httpError(401));
    await expect(policy.execute(none.fn)).rejects.toSatisfy((e) => hasErrorCode(e, 'UPSTREAM_AUTH'));
    expect(none.calls).toEqual([1]);
  });

  it('turns a cooperative timeout into UPSTREAM_TIMEOUT and retries it', async () => {
    const policy = createResiliencePolicy({
      timeoutMs: 20,
      retry: { maxAttempts: 2, initialDelayMs: 1 },
      breaker: false,
    });
    const attempts: number[] = [];
    const result = await policy.execute(
      ({ attempt, signal }) =>
        new Promise<string>((resolve, reject) => {
          attempts.push(attempt);
          if (attempt === 2) {
            resolve('second');
            return;
          }
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    expect(result).toBe('second');
    expect(attempts).toEqual([1, 2]);
    const error = await createResiliencePolicy({ timeoutMs: 10, retry: false })
      .execute(
        ({ signal }) =>
          new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))),
      )
      .catch((e: unknown) => e);
    expect(isUpstreamTimeoutError(error) && error.timeoutMs).toBe(10);
  });

  it("the caller's abort is ABORTED and never retried", async () => {
    const policy = createResiliencePolicy({ retry: { maxAttempts: 5, initialDelayMs: 1 } });
    const controller = new AbortController();
    let calls = 0;
    const run = policy.execute(
      ({ signal }) => {
        calls++;
        return new Promise((_r, reject) => signal.addEventListener('abort', () => reject(netError())));
      },
      { signal: controller.signal },
    );
    controller.abort();
    expect(isAbortedError(await run.catch((e: unknown) => e))).toBe(true);
    expect(calls).toBe(1);
    await expect(policy.execute(async () => 'x', { signal: controller.signal })).rejects.toSatisfy(isAbortedError);
  });

  it('breaker: opens after consecutive failures, emits states, half-opens and re-opens on a failed trial', async () => {
    const states: CircuitStateName[] = [];
    const policy = createResiliencePolicy({ retry: false, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 30 } });
    const off = policy.onCircuitStateChange((s) => states.push(s));
    for (let i = 0; i < 2; i++)
      await policy
        .execute(async () => {
          throw httpError(500);
        })
        .catch(() => undefined);
    expect(policy.circuitState).toBe('open');
    let ran = false;
    const rejected = await policy
      .execute(async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(isCircuitOpenError(rejected)).toBe(true);
    expect(ran).toBe(false);
    await new Promise((r) => setTimeout(r, 40));
    await policy
      .execute(async () => {
        throw netError();
      })
      .catch(() => undefined);
    expect(states).toEqual(['open', 'half-open', 'open']);
    off();
    await new Promise((r) => setTimeout(r, 40));
    await policy.execute(async () => 'ok');
    expect(policy.circuitState).toBe('closed');
    expect(states).toHaveLength(3);
  });

  it('breaker: 4xx and 429 do not trip it; a sampling breaker can be configured', async () => {
    const policy = createResiliencePolicy({ retry: false, breaker: { consecutiveFailures: 1 } });
    await policy
      .execute(async () => {
        throw httpError(429);
      })
      .catch(() => undefined);
    await policy
      .execute(async () => {
        throw httpError(404);
      })
      .catch(() => undefined);
    expect(policy.circuitState).toBe('closed');
    const sampling = createResiliencePolicy({
      breaker: { sampling: { threshold: 0.5, durationMs: 1_000, minimumRps: 1 } },
    });
    expect(await sampling.execute(async () => 1)).toBe(1);
  });

  it('isolate() with a duration lifts itself', async () => {
    const policy = createResiliencePolicy({ name: 'mahak' });
    policy.isolate('maintenance', 30);
    expect(policy.circuitState).toBe('isolated');
    const error = await policy.execute(async () => 1).catch((e: unknown) => e);
    expect(isCircuitOpenError(error) && error.state).toBe('isolated');
    await new Promise((r) => setTimeout(r, 45));
    expect(policy.circuitState).toBe('closed');
    expect(await policy.execute(async () => 2)).toBe(2);
  });

  it('bulkhead: queues up to maxQueued, then rejects with BULKHEAD_REJECTED (not retried)', async () => {
    const policy = createResiliencePolicy({ bulkhead: { maxInFlight: 1, maxQueued: 1 }, retry: { initialDelayMs: 1 } });
    const slow = () => policy.execute(() => new Promise((r) => setTimeout(() => r('done'), 30)));
    const results = await Promise.allSettled([slow(), slow(), slow()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(isBulkheadRejectedError((results[2] as PromiseRejectedResult).reason)).toBe(true);
  });

  it('bulkhead: an abort while waiting for a slot rejects at once, frees the queue place, and the call never runs', async () => {
    const policy = createResiliencePolicy({ bulkhead: { maxInFlight: 1, maxQueued: 1 }, retry: false });
    let release!: () => void;
    const first = policy.execute(() => new Promise<string>((r) => (release = () => r('first'))));
    const controller = new AbortController();
    let ran = false;
    const queued = policy.execute(
      async () => {
        ran = true;
        return 'queued';
      },
      { signal: controller.signal },
    );
    const reason = new Error('caller gave up');
    controller.abort(reason);
    const error = await queued.catch((e: unknown) => e);
    expect(isAbortedError(error) && (error as Error).cause).toBe(reason);
    // Its queue place is free again: another call may wait there, and gets the slot once it frees.
    const next = policy.execute(async () => 'next');
    release();
    expect(await Promise.all([first, next])).toEqual(['first', 'next']);
    expect(ran).toBe(false);
  });

  it('bulkhead: a slot freed while an aborted call sat ahead in the queue goes to the next waiter', async () => {
    const policy = createResiliencePolicy({ bulkhead: { maxInFlight: 1, maxQueued: 2 }, retry: false });
    let release!: () => void;
    const first = policy.execute(() => new Promise<string>((r) => (release = () => r('first'))));
    const controller = new AbortController();
    const aborted = policy.execute(async () => 'aborted', { signal: controller.signal }).catch((e: unknown) => e);
    const waiting = policy.execute(async () => 'waiting');
    controller.abort();
    expect(isAbortedError(await aborted)).toBe(true);
    release();
    expect(await Promise.all([first, waiting])).toEqual(['first', 'waiting']);
  });

  it('a classifier that throws is treated as fatal', async () => {
    const policy = createResiliencePolicy({
      retry: { initialDelayMs: 1 },
      classify: () => {
        throw new Error('bug');
      },
    });
    const { fn, calls } = script(netError());
    await expect(policy.execute(fn)).rejects.toSatisfy((e) => hasErrorCode(e, 'UPSTREAM_NETWORK'));
    expect(calls).toEqual([1]);
  });
});

describe('defaultClassifier', () => {
  it('maps errors to decisions', () => {
    expect(defaultClassifier(httpError(429, 2000))).toEqual({ action: 'retry_after', delayMs: 2000 });
    expect(defaultClassifier(httpError(503))).toEqual({ action: 'retry' });
    expect(defaultClassifier(httpError(401))).toEqual({ action: 'reauthenticate' });
    expect(defaultClassifier(httpError(403))).toEqual({ action: 'fatal' });
    expect(defaultClassifier(httpError(400))).toEqual({ action: 'fatal' });
    expect(defaultClassifier(netError())).toEqual({ action: 'retry' });
    expect(defaultClassifier(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toEqual({ action: 'retry' });
    expect(defaultClassifier(new TypeError('bug'))).toEqual({ action: 'fatal' });
    expect(defaultBreakerFailure(httpError(500))).toBe(true);
    expect(defaultBreakerFailure(httpError(429))).toBe(false);
  });

  it('reads connection failures as the transport does: one list of codes, certificates never retried', () => {
    const raw = (code: string) => Object.assign(new Error(code), { code });
    // Codes the transport already calls network failures were fatal here when they arrived raw.
    for (const code of ['ENOTFOUND', 'ENETDOWN', 'ECONNABORTED', 'UND_ERR_DESTROYED', 'UND_ERR_HEADERS_TIMEOUT']) {
      expect(defaultClassifier(raw(code)), code).toEqual({ action: 'retry' });
      expect(defaultBreakerFailure(raw(code)), code).toBe(true);
    }
    const tls = new UpstreamNetworkError('bad certificate', { errno: 'HOSTNAME_MISMATCH' });
    expect(defaultClassifier(tls)).toEqual({ action: 'fatal' });
    expect(defaultClassifier(raw('EINVAL'))).toEqual({ action: 'fatal' });
  });
});
