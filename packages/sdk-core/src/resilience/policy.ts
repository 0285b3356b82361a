import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  IsolatedCircuitError,
  SamplingBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { AbortedError, isAbortedError, isRelaykitError } from '../errors/index.js';
import { sleep } from '../abort/index.js';
import { CircuitOpenError, UpstreamTimeoutError, isUpstreamTimeoutError } from '../errors/http.js';
import { AttemptScope } from './attempt.js';
import { Bulkhead } from './bulkhead.js';
import { defaultBreakerFailure, defaultClassifier } from './classify.js';
import type { AttemptContext, CircuitStateName, ErrorClassifier, ResiliencePolicy, RetryDecision } from './types.js';

/** Retry settings. Delays are exponential with jitter: `initialDelayMs × 2^(n-1)`, capped at `maxDelayMs`. */
export interface RetryOptions {
  /** Total attempts including the first. Default 3. `1` disables retries (re-authentication may still replay once). */
  maxAttempts?: number;
  /** Delay before the first retry. Default 200 ms. */
  initialDelayMs?: number;
  /** Largest back-off delay. Default 30 s. */
  maxDelayMs?: number;
  /** Growth factor. Default 2. */
  exponent?: number;
  /**
   * Longest server hint (`Retry-After`, or a classifier's `retry_after`) the policy waits for.
   * A longer hint fails fast with the error (the caller or a job queue can reschedule) instead of
   * holding the request. Default 60 s.
   */
  maxRetryAfterMs?: number;
}

/** Circuit breaker settings. One breaker per policy: create one policy per upstream. */
export interface BreakerOptions {
  /** Open after this many consecutive failures (default 5). Ignored when `sampling` is set. */
  consecutiveFailures?: number;
  /** Open when the failure ratio over a sliding window passes `threshold` (0–1). */
  sampling?: { threshold: number; durationMs: number; minimumRps?: number };
  /** Time the breaker stays open before letting one trial call through (half-open). Default 30 s. */
  halfOpenAfterMs?: number;
  /** Which errors count as failures. Default: timeouts, network errors and 5xx. */
  isFailure?: (error: unknown) => boolean;
}

/** Options of {@link createResiliencePolicy}. Every layer can be turned off with `false`. */
export interface ResiliencePolicyOptions {
  /** Upstream name carried by `CIRCUIT_OPEN` and `BULKHEAD_REJECTED` errors. */
  name?: string;
  retry?: RetryOptions | false;
  /** Maps errors to retry decisions; undefined results fall back to {@link defaultClassifier}. */
  classify?: ErrorClassifier;
  breaker?: BreakerOptions | false;
  /** Cooperative timeout of each attempt, wired into the attempt's `AbortSignal`. Default 60 s. */
  timeoutMs?: number | false;
  /** Max calls in flight, and how many more may wait for a slot (default 0: reject at once). */
  bulkhead?: { maxInFlight: number; maxQueued?: number } | false;
  /** Called before each retry's wait (for logs and metrics); exceptions are swallowed. */
  onRetry?: (event: RetryEvent) => void;
  /** Source of randomness for jitter, for deterministic tests. Default `Math.random`. */
  random?: () => number;
}

/** Emitted before the policy waits to retry. */
export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
  decision: RetryDecision['action'];
}

/** Per-call options of {@link ResiliencePolicy.execute}. */
export interface ExecuteOptions {
  signal?: AbortSignal;
  /** False for work that must not be replayed (default true). */
  idempotent?: boolean;
  /** Refreshes credentials when the classifier answers `reauthenticate`; the call is then replayed once. */
  reauthenticate?: () => Promise<void>;
}

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** A signal that never aborts, shared so the hot path allocates none. Never hand it to code that adds listeners. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
const NEVER = NEVER_ABORTED;

/**
 * Builds a {@link ResiliencePolicy}: retry (one layer; exponential back-off with jitter, server
 * hints honoured) → bulkhead → circuit breaker → cooperative timeout → your function.
 *
 * **Retry-After rule.** A server hint `h` (from `Retry-After` or a classifier's `retry_after`)
 * is honoured when `h ≤ maxRetryAfterMs`: the wait is `max(h, backoff)` plus up to 10 % jitter
 * (at most 1 s), never above `maxRetryAfterMs`. A hint above `maxRetryAfterMs` fails fast with
 * the error rather than holding the request.
 *
 * **Replays.** A call with `idempotent: false` is never retried. The one exception is a
 * `reauthenticate` decision: credentials are refreshed and the call replayed once — the default
 * classifier answers it for 401, which an upstream returns before doing anything. A connector whose
 * upstream can act and still answer 401 must classify that 401 as `fatal`.
 *
 * Retry waits and the caller's abort are cooperative: aborting the caller's signal ends a wait at
 * once with `ABORTED`, a wait for a bulkhead slot included (the call leaves the queue and never runs). An open circuit rejects with `CIRCUIT_OPEN` and a full bulkhead with
 * `BULKHEAD_REJECTED`; neither is retried.
 *
 * @example
 * ```ts
 * const policy = createResiliencePolicy({
 *   name: 'salesforce',
 *   retry: { maxAttempts: 4, initialDelayMs: 250, maxRetryAfterMs: 30_000 },
 *   breaker: { consecutiveFailures: 5, halfOpenAfterMs: 15_000 },
 *   timeoutMs: 45_000,
 *   bulkhead: { maxInFlight: 25, maxQueued: 100 },
 *   classify: (error) => isHttpError(error, 400) && isLockError(error.body) ? { action: 'retry' } : undefined,
 * });
 * const http = new HttpClient({ baseUrl, policy });
 * ```
 */
export function createResiliencePolicy(options: ResiliencePolicyOptions = {}): ResiliencePolicy & { reset(): void } {
  return new Policy(options);
}

class Policy implements ResiliencePolicy {
  private readonly name: string | undefined;
  private readonly maxAttempts: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly exponent: number;
  private readonly maxRetryAfterMs: number;
  private readonly classify: ErrorClassifier | undefined;
  private readonly breaker: CircuitBreakerPolicy | undefined;
  /** Per-attempt timeout (undefined when off). */
  readonly timeoutMs: number | undefined;
  private readonly bulkhead: Bulkhead | undefined;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;
  private readonly random: () => number;
  private readonly listeners = new Set<(state: CircuitStateName) => void>();
  private isolation: { dispose(): void; timer?: ReturnType<typeof setTimeout> | undefined; reason: string } | undefined;

  constructor(options: ResiliencePolicyOptions) {
    this.name = options.name;
    const retry = options.retry === false ? { maxAttempts: 1 } : (options.retry ?? {});
    this.maxAttempts = Math.max(1, Math.floor(retry.maxAttempts ?? 3));
    this.initialDelayMs = retry.initialDelayMs ?? 200;
    this.maxDelayMs = retry.maxDelayMs ?? 30_000;
    this.exponent = retry.exponent ?? 2;
    this.maxRetryAfterMs = retry.maxRetryAfterMs ?? 60_000;
    this.classify = options.classify;
    this.onRetry = options.onRetry;
    this.random = options.random ?? Math.random;

    if (options.breaker !== false) {
      const b = options.breaker ?? {};
      const isFailure = b.isFailure ?? defaultBreakerFailure;
      this.breaker = circuitBreaker(
        handleWhen((error) => isFailure(error)),
        {
          halfOpenAfter: b.halfOpenAfterMs ?? 30_000,
          breaker: b.sampling
            ? new SamplingBreaker({
                threshold: b.sampling.threshold,
                duration: b.sampling.durationMs,
                ...(b.sampling.minimumRps !== undefined ? { minimumRps: b.sampling.minimumRps } : {}),
              })
            : new ConsecutiveBreaker(b.consecutiveFailures ?? 5),
        },
      );
      this.breaker.onStateChange((state) => {
        const name = STATE_NAMES[state];
        for (const listener of this.listeners) {
          try {
            listener(name);
          } catch {
            /* a listener's failure must not break calls */
          }
        }
      });
    }
    const timeoutMs = options.timeoutMs === undefined ? 60_000 : options.timeoutMs;
    this.timeoutMs = timeoutMs === false || timeoutMs <= 0 ? undefined : timeoutMs;
    if (options.bulkhead) {
      this.bulkhead = new Bulkhead(options.bulkhead.maxInFlight, options.bulkhead.maxQueued ?? 0, this.name);
    }
  }

  get circuitState(): CircuitStateName {
    return this.breaker ? STATE_NAMES[this.breaker.state] : 'closed';
  }

  onCircuitStateChange(listener: (state: CircuitStateName) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  isolate(reason: string, durationMs?: number): void {
    if (!this.breaker) throw new TypeError('isolate() needs a policy with a circuit breaker');
    this.reset();
    const handle = this.breaker.isolate();
    const isolation: { dispose(): void; timer?: ReturnType<typeof setTimeout> | undefined; reason: string } = {
      dispose: () => handle.dispose(),
      reason,
    };
    if (durationMs !== undefined) {
      isolation.timer = setTimeout(() => {
        if (this.isolation === isolation) this.reset();
      }, durationMs);
      isolation.timer.unref?.();
    }
    this.isolation = isolation;
  }

  /** Lifts an isolation made by {@link isolate}. */
  reset(): void {
    const isolation = this.isolation;
    if (!isolation) return;
    this.isolation = undefined;
    if (isolation.timer) clearTimeout(isolation.timer);
    isolation.dispose();
  }

  async execute<T>(fn: (attempt: AttemptContext) => Promise<T>, options: ExecuteOptions = {}): Promise<T> {
    const signal = options.signal ?? NEVER;
    const idempotent = options.idempotent !== false;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw callerAbort(signal, undefined);
      try {
        return await this.attemptOnce(fn, attempt, signal);
      } catch (error) {
        if (signal.aborted) throw callerAbort(signal, error);
        const decision = this.decide(error, attempt, idempotent);
        let delayMs: number;
        if (decision.action === 'fatal') throw error;
        if (decision.action === 'reauthenticate') {
          if (reauthenticated || !options.reauthenticate) throw error;
          reauthenticated = true;
          await options.reauthenticate();
          delayMs = 0;
        } else {
          // Re-authentication may replay once beyond the budget; ordinary retries may not.
          if (attempt >= this.maxAttempts + (reauthenticated ? 1 : 0) || !idempotent) throw error;
          const backoff = this.backoff(attempt);
          if (decision.action === 'retry_after') {
            const hint = Math.max(0, decision.delayMs);
            if (hint > this.maxRetryAfterMs) throw error;
            const base = Math.max(hint, backoff);
            delayMs = Math.min(this.maxRetryAfterMs, base + this.random() * Math.min(1_000, base * 0.1));
          } else {
            delayMs = backoff;
          }
        }
        if (this.onRetry) {
          try {
            this.onRetry({ attempt, delayMs, error, decision: decision.action });
          } catch {
            /* hooks never break calls */
          }
        }
        if (delayMs > 0) await sleep(delayMs, signal === NEVER ? undefined : signal, 'Waiting to retry');
      }
    }
  }

  private attemptOnce<T>(
    fn: (attempt: AttemptContext) => Promise<T>,
    attempt: number,
    signal: AbortSignal,
  ): Promise<T> {
    // cockatiel adds an abort listener per call to any signal it is given: give it none for ours that never aborts.
    const outer = signal === NEVER ? undefined : signal;
    const bulkhead = this.bulkhead;
    // A call waiting for a slot leaves the queue as soon as its caller aborts (ABORTED, never run).
    const call = bulkhead
      ? bulkhead.execute(() => this.throughBreaker(fn, attempt, signal, outer), outer)
      : this.throughBreaker(fn, attempt, signal, outer);
    return this.breaker
      ? call.catch((error: unknown) => {
          throw this.translate(error);
        })
      : call;
  }

  private throughBreaker<T>(
    fn: (attempt: AttemptContext) => Promise<T>,
    attempt: number,
    signal: AbortSignal,
    outer: AbortSignal | undefined,
  ): Promise<T> {
    return this.breaker
      ? this.breaker.execute(() => this.withTimeout(fn, attempt, signal), outer)
      : this.withTimeout(fn, attempt, signal);
  }

  /**
   * The cooperative timeout. Not cockatiel's TimeoutPolicy: that one derives an AbortSignal per
   * call (~15 µs of CPU on Node 20, a third of a loopback request); {@link AttemptScope} builds
   * one only when the attempt's code asks for it.
   */
  private async withTimeout<T>(
    fn: (attempt: AttemptContext) => Promise<T>,
    attempt: number,
    signal: AbortSignal,
  ): Promise<T> {
    const timeoutMs = this.timeoutMs;
    if (timeoutMs === undefined && signal === NEVER) return fn({ attempt, signal: NEVER });
    const scope = new AttemptScope(attempt);
    const onCallerAbort = signal === NEVER ? undefined : () => scope.abort(signal.reason);
    if (onCallerAbort) signal.addEventListener('abort', onCallerAbort, { once: true });
    // The abort reason is the timeout error itself, so code handed `attempt.signal` as its own caller
    // signal (an HttpClient, a nested policy, a rate-limit wait) can tell our timeout from a caller's abort.
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => scope.abort(this.timeoutError(timeoutMs), true), timeoutMs);
    try {
      return await fn(scope);
    } catch (error) {
      // The policy's timeout fired (not the caller): report it as a timeout, whatever fn threw — also
      // when fn turned our abort into ABORTED (which is fatal, so the timeout would never be retried).
      if (scope.timedOut && (!isRelaykitError(error) || isAbortedError(error))) {
        throw error === scope.reason ? error : this.timeoutError(timeoutMs!, error);
      }
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (onCallerAbort) signal.removeEventListener('abort', onCallerAbort);
    }
  }

  private timeoutError(timeoutMs: number, cause?: unknown): UpstreamTimeoutError {
    return new UpstreamTimeoutError(
      `${this.name ?? 'The operation'} timed out after ${timeoutMs} ms`,
      { phase: 'policy', timeoutMs, ...(this.name ? { upstream: this.name } : {}) },
      cause === undefined ? {} : { cause },
    );
  }

  private translate(error: unknown): unknown {
    if (error instanceof IsolatedCircuitError) {
      return new CircuitOpenError(
        `Circuit for ${this.name ?? 'upstream'} is isolated${this.isolation ? `: ${this.isolation.reason}` : ''}`,
        { state: 'isolated', upstream: this.name, reason: this.isolation?.reason },
        { cause: error },
      );
    }
    if (error instanceof BrokenCircuitError) {
      return new CircuitOpenError(
        `Circuit for ${this.name ?? 'upstream'} is open after repeated failures`,
        { state: 'open', upstream: this.name },
        { cause: error },
      );
    }
    return error;
  }

  private decide(error: unknown, attempt: number, idempotent: boolean): RetryDecision {
    const context = { attempt, idempotent };
    if (this.classify) {
      try {
        const decision = this.classify(error, context);
        if (decision) return decision;
      } catch {
        return { action: 'fatal' };
      }
    }
    return defaultClassifier(error, context);
  }

  /** Exponential back-off with "equal jitter": half fixed, half random, so retries spread out. */
  private backoff(attempt: number): number {
    const raw = Math.min(this.maxDelayMs, this.initialDelayMs * this.exponent ** (attempt - 1));
    return raw / 2 + this.random() * (raw / 2);
  }
}

/**
 * The error for a call whose caller's signal aborted. When that signal is an enclosing policy's
 * attempt signal cut by its timeout, the reason is that policy's `UPSTREAM_TIMEOUT`: keep it a
 * timeout (retryable out there). Anything else is the caller giving up: `ABORTED`, never retried.
 */
function callerAbort(signal: AbortSignal, error: unknown): unknown {
  const reason: unknown = signal.reason;
  if (isUpstreamTimeoutError(reason)) return isUpstreamTimeoutError(error) ? error : reason;
  if (isAbortedError(error)) return error;
  return new AbortedError('The request was aborted', { cause: error ?? reason });
}
