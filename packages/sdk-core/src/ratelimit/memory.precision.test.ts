// Regression suite of issue 3: with a fractional emission interval and `burst: 1`, the limiter used
// to compare `newTat - now - tolerance` on epoch-ms values (~1.7e12, ulp ≈ 2.4e-4 ms) against a
// 1e-6 slack, so a constant rounding residue refused every request and `acquire` never resolved.
import { describe, expect, it } from 'vitest';
import { isRateLimitExceededError } from './errors.js';
import { BaseRateLimiter } from './base.js';
import { ExactGcra, maxInAnyWindow } from '../test-support/ratelimit/gcra-reference.js';
import { MemoryRateLimiter } from './memory.js';
import { virtualLimiter } from '../test-support/ratelimit/limiters.js';
import type { RateDecision, RateWindow } from './types.js';

const EPOCH = 1_700_000_000_000;

// Fractional intervals whose reduced denominators stay small (the exact arithmetic's over-the-limit
// amounts are then ≥ 1/denominator µs, far above the limiter's 1 ns slack, so every decision must match).
const WINDOWS: Array<Omit<RateWindow, 'burst'>> = [
  { limit: 9700, windowMs: 10_000 }, // 1.0309… ms
  { limit: 3, windowMs: 1000 }, // 333.33… ms
  { limit: 7, windowMs: 100 }, // 14.2857… ms
  { limit: 30, windowMs: 70 }, // 2.333… ms
  { limit: 6, windowMs: 10 }, // 1.666… ms
];

const epochLimiter = (rules: RateWindow[], start = EPOCH) => virtualLimiter(rules, start);

describe('MemoryRateLimiter on an epoch clock with fractional intervals', () => {
  for (const window of WINDOWS) {
    for (const burst of [1, 2, 3]) {
      const rule = { ...window, burst };
      const interval = window.windowMs / window.limit;
      it(`${window.limit}/${window.windowMs} ms, burst ${burst}: admits exactly at the GCRA times, never over the limit`, async () => {
        const start = EPOCH + 7; // an arbitrary integer ms, like Date.now()
        const { limiter, clock } = epochLimiter([rule], start);
        const exact = new ExactGcra([rule]);
        const admitted: number[] = [];
        const mismatches: number[] = [];
        // Hammer once per ms across enough emission intervals to see every phase of the fraction.
        const span = Math.max(2 * window.windowMs, Math.ceil(30 * interval));
        for (let k = 0; k < span; k++) {
          clock.now = start + k;
          const decision = await limiter.tryAcquire('k');
          if (decision.allowed !== exact.decide(BigInt(clock.now) * 1000n)) mismatches.push(k);
          if (decision.allowed) admitted.push(clock.now);
          else {
            expect(decision.retryAfterMs).toBeGreaterThan(0);
            expect(decision.retryAfterMs).toBeLessThanOrEqual(interval + 1e-6);
          }
        }
        expect(mismatches).toEqual([]);
        // The first request goes at once. Burst 1 tolerates no lateness, so on a ms clock each gap is the
        // interval rounded up; a burst ≥ 2 absorbs the rounding and keeps the exact average rate.
        expect(admitted[0]).toBe(start);
        const gap = burst === 1 ? Math.ceil(interval) : interval;
        expect(admitted.length).toBeGreaterThanOrEqual(Math.floor(span / gap));
        expect(maxInAnyWindow(admitted, window.windowMs)).toBeLessThanOrEqual(window.limit + burst - 1);
      });
    }
  }

  it('keeps several fractional windows exact together, with a cost > 1', async () => {
    const rules = [
      { limit: 9700, windowMs: 10_000, burst: 3 },
      { limit: 30, windowMs: 70, burst: 4 },
    ];
    const { limiter, clock } = epochLimiter(rules);
    const exact = new ExactGcra(rules);
    for (let k = 0; k < 5000; k++) {
      clock.now = EPOCH + k;
      const cost = 1 + (k % 3 === 0 ? 1 : 0);
      const decision = await limiter.tryAcquire('multi', cost);
      expect({ k, allowed: decision.allowed }).toEqual({ k, allowed: exact.decide(BigInt(clock.now) * 1000n, cost) });
    }
  });

  it('stays exact after a long busy run (no drift of the stored arrival time)', async () => {
    // 9,700/10 s with burst 1, hammered for 60 s: a TAT kept as one epoch double would drift by up to
    // 1.2e-4 ms per admission (an interval every ~8,500 admissions) and let one extra request in.
    const rule = { limit: 9700, windowMs: 10_000, burst: 2 };
    const { limiter, clock } = epochLimiter([rule]);
    const exact = new ExactGcra([rule]);
    let admitted = 0;
    for (let k = 0; k < 60_000; k++) {
      clock.now = EPOCH + k;
      const allowed = (await limiter.tryAcquire('busy')).allowed;
      if (allowed !== exact.decide(BigInt(clock.now) * 1000n))
        throw new Error(`decision at +${k} ms differs from exact GCRA`);
      if (allowed) admitted++;
    }
    expect(admitted).toBe(Math.floor((60_000 - 1) / (10_000 / 9700)) + 2);
  });

  it('acquire on a virtual epoch clock resolves at the GCRA times and every wait advances the clock', async () => {
    const { limiter, clock, sleeps } = epochLimiter([{ limit: 9700, windowMs: 10_000, burst: 1 }]);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) times.push((await limiter.acquireDecision('a', 1, { maxWaitMs: 10 })).at!);
    // GCRA times on an integer-ms clock: with burst 1 each unit waits the full 1.03 ms after the last
    // admission, i.e. every 2 ms.
    expect(times.map((t) => t - EPOCH)).toEqual(Array.from({ length: 50 }, (_, n) => 2 * n));
    expect(sleeps.every((ms) => Number.isInteger(ms) && ms >= 1)).toBe(true);
    expect(clock.now - EPOCH).toBe(times.at(-1)! - EPOCH);
  });

  it('acquire with a deadline resolves on the real clock (burst 1, fractional interval)', async () => {
    const limiter = new MemoryRateLimiter({ rules: [{ limit: 9700, windowMs: 10_000, burst: 1 }] });
    const started = Date.now();
    for (let i = 0; i < 20; i++) await limiter.acquire('real', 1, { maxWaitMs: 250 });
    expect(Date.now() - started).toBeLessThan(2000);
  }, 5000);
});

/** A backend that always refuses with a useless hint, to prove the waiting loop cannot spin. */
class RefusingLimiter extends BaseRateLimiter {
  calls = 0;
  readonly clockState = { now: EPOCH };
  readonly pauses: number[] = [];
  constructor(private readonly hint: number) {
    super();
  }
  protected override clock(): number {
    return this.clockState.now;
  }
  protected override async pause(ms: number): Promise<void> {
    this.pauses.push(ms);
    this.clockState.now += ms;
  }
  async tryAcquire(): Promise<RateDecision> {
    this.calls++;
    return { allowed: false, retryAfterMs: this.hint, remaining: 0, limit: 1, resetMs: 0, at: this.clockState.now };
  }
  async penalizeUntil(): Promise<number> {
    return this.clockState.now;
  }
  async close(): Promise<void> {}
}

describe('BaseRateLimiter waiting loop', () => {
  for (const hint of [0, 1e-9, 2.4e-4, Number.NaN, -5]) {
    it(`waits at least 1 ms per refusal even for a retry-after of ${hint} ms, so a deadline is reached`, async () => {
      const limiter = new RefusingLimiter(hint);
      const error = await limiter.acquire('k', 1, { maxWaitMs: 25 }).catch((e: unknown) => e);
      expect(isRateLimitExceededError(error)).toBe(true);
      expect(limiter.pauses.length).toBeGreaterThan(0);
      expect(limiter.pauses.every((ms) => Number.isInteger(ms) && ms >= 1)).toBe(true);
      expect(limiter.calls).toBeLessThanOrEqual(27);
    });
  }
});
