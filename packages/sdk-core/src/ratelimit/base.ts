import type { AbortedError } from '../errors/index.js';
import { RateLimitExceededError } from './errors.js';
import { abortedError, sleep, throwIfAborted } from '../abort/index.js';
import type { AcquireOptions, RateDecision, RateLimiter } from './types.js';

/** Local waiters of one key while the key is limited: one head polls, the rest queue behind it. */
interface Line {
  /** Queued waiters; each is called with how long to sleep before its first attempt. */
  queue: Array<(sleepFirstMs: number) => void>;
  /** The head's last computed wait, reported by queued waiters that give up (maxWaitMs). */
  retryAfterMs: number;
}

/**
 * The waiting loop shared by the adapters: try, sleep exactly the computed retry-after, re-check.
 *
 * While a key is limited, the waiters of this process form a FIFO line: only the head asks the
 * backend, and on admission hands over to the next. So N local waiters cost about one or two calls
 * per admitted unit instead of N per slot (no thundering herd on Redis), and large costs are not
 * starved by small ones. While a key is not limited, concurrent acquires all go straight through.
 */
export abstract class BaseRateLimiter implements RateLimiter {
  private readonly lines = new Map<string, Line>();

  abstract tryAcquire(key: string, cost?: number): Promise<RateDecision>;
  /**
   * Holds `key` back until now + `ms` for everyone sharing it; resolves with that instant on the
   * limiter's clock (ms since the epoch; a later, longer penalty already running wins).
   */
  abstract penalizeUntil(key: string, ms: number): Promise<number>;
  abstract close(): Promise<void>;

  /** {@link RateLimiter.penalize}: see {@link BaseRateLimiter.penalizeUntil}. */
  async penalize(key: string, ms: number): Promise<void> {
    await this.penalizeUntil(key, ms);
  }

  /** {@link RateLimiter.acquire}: see {@link BaseRateLimiter.acquireDecision}. */
  async acquire(key: string, cost = 1, options: AcquireOptions = {}): Promise<void> {
    await this.acquireDecision(key, cost, options);
  }

  /** The clock used to account `maxWaitMs`. */
  protected clock(): number {
    return Date.now();
  }

  /** Sleeps `ms` or rejects on abort (overridable so tests can drive a virtual clock). */
  protected pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return sleep(ms, signal);
  }

  /**
   * Like {@link RateLimiter.acquire}, resolving with the admitting decision (its `at` is the
   * admission time on the limiter's clock — Redis server time for the Redis adapter).
   */
  async acquireDecision(key: string, cost = 1, options: AcquireOptions = {}): Promise<RateDecision> {
    const { signal, maxWaitMs } = options;
    const started = this.clock();
    const what = `Waiting for rate limit ${JSON.stringify(key)}`;
    throwIfAborted(signal, what);

    let decision: RateDecision | undefined;
    if (!this.lines.has(key)) {
      decision = await this.tryAcquire(key, cost);
      if (decision.allowed) return decision;
    }
    let line = this.lines.get(key);
    let sleepFirstMs = 0;
    if (line) {
      sleepFirstMs = await this.queueBehind(
        key,
        line,
        signal,
        maxWaitMs === undefined ? undefined : started + maxWaitMs,
      );
      decision = undefined; // our earlier answer is stale by now
    } else {
      this.lines.set(key, (line = { queue: [], retryAfterMs: 0 }));
    }

    // We are the head of the line until we return or throw; then the next waiter takes over.
    let handOverIn = 0;
    try {
      // The previous head was admitted and knows when the next unit fits: sleep until then rather
      // than ask now and be told to wait.
      if (sleepFirstMs > 0) await this.pause(waitMs(sleepFirstMs), signal);
      for (;;) {
        throwIfAborted(signal, what);
        decision ??= await this.tryAcquire(key, cost);
        if (decision.allowed) {
          handOverIn = decision.nextInMs ?? 0;
          return decision;
        }
        const wait = waitMs(decision.retryAfterMs);
        line.retryAfterMs = wait;
        if (maxWaitMs !== undefined && this.clock() - started + wait > maxWaitMs) {
          throw new RateLimitExceededError(
            key,
            Number.isFinite(decision.retryAfterMs) && decision.retryAfterMs > 0 ? decision.retryAfterMs : wait,
          );
        }
        await this.pause(wait, signal);
        decision = undefined;
      }
    } finally {
      // One at a time: waking several would bring the herd back. Once the limit stops binding the
      // line drains at one backend call per waiter, then the key is back on the direct path.
      const next = line.queue.shift();
      if (next) next(handOverIn);
      else this.lines.delete(key);
    }
  }

  private queueBehind(
    key: string,
    line: Line,
    signal: AbortSignal | undefined,
    deadline: number | undefined,
  ): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (signal?.aborted) return reject(abortedError(signal, `Waiting for rate limit ${JSON.stringify(key)}`));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = (error: AbortedError | RateLimitExceededError) => {
        const at = line.queue.indexOf(turn);
        if (at >= 0) line.queue.splice(at, 1);
        cleanup();
        reject(error);
      };
      const onAbort = () => leave(abortedError(signal!, `Waiting for rate limit ${JSON.stringify(key)}`));
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const turn = (sleepFirstMs: number) => {
        cleanup();
        resolve(sleepFirstMs);
      };
      line.queue.push(turn);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        timer = setTimeout(
          () => leave(new RateLimitExceededError(key, Math.max(line.retryAfterMs, 1))),
          Math.max(0, deadline - this.clock()),
        );
      }
    });
  }
}

/**
 * Whole ms, at least 1: the next attempt is at or just after the moment the cost fits, and a
 * refusal always lets a ms clock move on — a sub-ms, zero or nonsensical hint must never make
 * `acquire` ask again at the same instant (that was a spin).
 */
function waitMs(hintMs: number): number {
  return Number.isFinite(hintMs) && hintMs > 1 ? Math.ceil(hintMs) : 1;
}
