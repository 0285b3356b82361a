import { describe, expect, it } from 'vitest';
import { isAbortedError, isValidationError } from '../errors/index.js';
import { createRateLimiter } from './create.js';
import { isRateLimitExceededError } from './errors.js';
import { MemoryRateLimiter } from './memory.js';
import { virtualLimiter } from '../test-support/ratelimit/limiters.js';
import type { RateLimitRules } from './types.js';

const virtual = (rules: RateLimitRules) => virtualLimiter(rules);

describe('MemoryRateLimiter (GCRA)', () => {
  it('admits `burst` units at once after idleness, then one per emission interval', async () => {
    const { limiter, clock } = virtual([{ limit: 10, windowMs: 1000, burst: 4 }]);
    for (let i = 0; i < 4; i++) expect((await limiter.tryAcquire('k')).allowed).toBe(true);
    const denied = await limiter.tryAcquire('k');
    expect(denied).toMatchObject({ allowed: false, remaining: 0, limit: 10 });
    expect(denied.retryAfterMs).toBeCloseTo(100, 6);
    clock.now += 99;
    expect((await limiter.tryAcquire('k')).allowed).toBe(false);
    clock.now += 1;
    expect((await limiter.tryAcquire('k')).allowed).toBe(true);
    expect((await limiter.tryAcquire('k')).retryAfterMs).toBeCloseTo(100, 6);
  });

  it('defaults the burst to the limit and reports remaining and reset of the window', async () => {
    const { limiter } = virtual([{ limit: 5, windowMs: 1000 }]);
    const first = await limiter.tryAcquire('k');
    expect(first).toMatchObject({ allowed: true, retryAfterMs: 0, remaining: 4, limit: 5 });
    expect(first.resetMs).toBeCloseTo(200, 6);
    for (let i = 0; i < 4; i++) await limiter.tryAcquire('k');
    const last = await limiter.tryAcquire('k');
    expect(last.allowed).toBe(false);
    expect(last.resetMs).toBeCloseTo(1000, 6);
  });

  it('never admits more than limit + burst - 1 in any window span (burst 1: exactly the limit)', async () => {
    for (const burst of [1, 3, 10]) {
      const { limiter, clock } = virtual([{ limit: 10, windowMs: 1000, burst }]);
      const times: number[] = [];
      // Hammer every ms for 3 s of virtual time.
      for (let t = 0; t < 3000; t++) {
        if ((await limiter.tryAcquire('k')).allowed) times.push(clock.now);
        clock.now += 1;
      }
      let max = 0;
      for (let i = 0; i < times.length; i++) {
        let j = i;
        while (j < times.length && times[j]! < times[i]! + 1000) j++;
        max = Math.max(max, j - i);
      }
      expect(max).toBe(10 + burst - 1);
    }
  });

  it('enforces several windows at once and reports the tightest one', async () => {
    const { limiter, clock } = virtual([
      { limit: 5, windowMs: 100 },
      { limit: 8, windowMs: 1000 },
    ]);
    // At one instant the 5/100 ms window binds first...
    const atOnce = [];
    for (let i = 0; i < 7; i++) atOnce.push(await limiter.tryAcquire('k'));
    expect(atOnce.filter((d) => d.allowed)).toHaveLength(5);
    expect(atOnce[6]).toMatchObject({ allowed: false, limit: 5 });
    // ...then the 8/s window: over the first second it admits its burst (8) plus one per 125 ms,
    // i.e. limit + burst - 1 = 15, although the 5/100 ms window alone would allow ~54.
    let admitted = 5;
    for (let t = 10; t < 1000; t += 10) {
      clock.now += 10;
      if ((await limiter.tryAcquire('k')).allowed) admitted++;
    }
    expect(admitted).toBe(15);
    const denied = await limiter.tryAcquire('k');
    expect(denied).toMatchObject({ allowed: false, limit: 8, remaining: 0 });
  });

  it('charges a cost > 1 as that many units and rejects a cost above the burst', async () => {
    const { limiter } = virtual([{ limit: 10, windowMs: 1000 }]);
    for (let i = 0; i < 3; i++) expect((await limiter.tryAcquire('k', 3)).allowed).toBe(true);
    const denied = await limiter.tryAcquire('k', 3);
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeCloseTo(200, 6);
    expect((await limiter.tryAcquire('k', 1)).allowed).toBe(true);
    await expect(limiter.tryAcquire('k', 11)).rejects.toSatisfy(isValidationError);
    await expect(limiter.tryAcquire('k', -1)).rejects.toSatisfy(isValidationError);
  });

  it('tryAcquire is all or nothing across windows: a denial charges no window', async () => {
    const { limiter, clock } = virtual([
      { limit: 3, windowMs: 1000 },
      { limit: 100, windowMs: 1000, burst: 1 },
    ]);
    expect((await limiter.tryAcquire('k')).allowed).toBe(true);
    // Ten denials by the 10 ms window must not eat the 3/s window.
    for (let i = 0; i < 10; i++) expect((await limiter.tryAcquire('k')).allowed).toBe(false);
    clock.now += 10;
    expect((await limiter.tryAcquire('k')).allowed).toBe(true);
    clock.now += 10;
    expect((await limiter.tryAcquire('k')).allowed).toBe(true);
    clock.now += 10;
    const fourth = await limiter.tryAcquire('k');
    expect(fourth.allowed).toBe(false);
    expect(fourth.limit).toBe(3);
  });

  it('acquire sleeps exactly the computed retry-after (no busy loop)', async () => {
    const { limiter, sleeps } = virtual([{ limit: 10, windowMs: 1000, burst: 1 }]);
    for (let i = 0; i < 5; i++) await limiter.acquire('k');
    expect(sleeps).toEqual([100, 100, 100, 100]);
    const decision = await limiter.acquireDecision('k', 1);
    expect(decision).toMatchObject({ allowed: true, remaining: 0, nextInMs: 100 });
    expect(sleeps).toHaveLength(5);
  });

  it('concurrent waiters of one key form a FIFO line: about one backend call per admission, no herd', async () => {
    const { limiter, clock } = virtual([{ limit: 10, windowMs: 1000, burst: 1 }]);
    let calls = 0;
    const original = limiter.tryAcquire.bind(limiter);
    limiter.tryAcquire = (key, cost) => {
      calls++;
      return original(key, cost);
    };
    const order: number[] = [];
    const start = clock.now;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => limiter.acquireDecision('k').then((d) => order.push(i) && d)),
    );
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(clock.now - start).toBe(1900);
    // 20 first attempts, then exactly one call per admission: each head sleeps until the slot the
    // previous admission announced (nextInMs). A herd would cost every waiter a call per slot.
    expect(calls).toBe(20 + 19);
  });

  it('a queued waiter can abort or give up (maxWaitMs) without blocking the line', async () => {
    const limiter = new MemoryRateLimiter({ rules: [{ limit: 1, windowMs: 100 }] });
    await limiter.acquire('k');
    const head = limiter.acquireDecision('k');
    const controller = new AbortController();
    const aborted = limiter.acquire('k', 1, { signal: controller.signal }).catch((e: unknown) => e);
    const impatient = limiter.acquire('k', 1, { maxWaitMs: 20 }).catch((e: unknown) => e);
    const patient = limiter.acquireDecision('k');
    controller.abort();
    expect(isAbortedError(await aborted)).toBe(true);
    expect(isRateLimitExceededError(await impatient)).toBe(true);
    const [h, p] = await Promise.all([head, patient]);
    expect(p.at! - h.at!).toBeGreaterThanOrEqual(99);
  });

  it('penalize holds the key back until now + ms; a longer running penalty wins', async () => {
    const { limiter, clock, sleeps } = virtual([{ limit: 100, windowMs: 1000 }]);
    expect(await limiter.penalizeUntil('k', 500)).toBe(clock.now + 500);
    const denied = await limiter.tryAcquire('k');
    expect(denied).toMatchObject({ allowed: false, retryAfterMs: 500 });
    await limiter.penalize('k', 100); // shorter: does not shorten the running one
    expect((await limiter.tryAcquire('k')).retryAfterMs).toBe(500);
    expect((await limiter.tryAcquire('other')).allowed).toBe(true);
    await limiter.acquire('k');
    expect(sleeps).toEqual([500]);
  });

  it('rejects with RateLimitExceededError when the wait would exceed maxWaitMs', async () => {
    const { limiter } = virtual([{ limit: 1, windowMs: 60_000 }]);
    await limiter.acquire('k');
    const error = await limiter.acquire('k', 1, { maxWaitMs: 1000 }).catch((e: unknown) => e);
    expect(isRateLimitExceededError(error)).toBe(true);
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeCloseTo(60_000, 3);
  });

  it('aborting while waiting rejects promptly with AbortedError and charges nothing', async () => {
    const limiter = new MemoryRateLimiter({ rules: [{ limit: 1, windowMs: 200 }] });
    await limiter.acquire('k');
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('shutdown')), 20);
    const error = await limiter.acquire('k', 1, { signal: controller.signal }).catch((e: unknown) => e);
    expect(isAbortedError(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(150);
    await expect(limiter.acquire('k', 1, { signal: controller.signal })).rejects.toSatisfy(isAbortedError);
    // The aborted waiter took nothing: the next unit still fits right after the first one's interval.
    await new Promise((r) => setTimeout(r, 210 - (Date.now() - started)));
    expect((await limiter.tryAcquire('k')).allowed).toBe(true);
  });

  it('rules may depend on the key, and empty rules mean unlimited', async () => {
    const { limiter } = virtual((key) => (key.startsWith('free:') ? [] : [{ limit: 2, windowMs: 1000 }]));
    for (let i = 0; i < 100; i++) expect((await limiter.tryAcquire('free:a')).allowed).toBe(true);
    expect((await limiter.tryAcquire('paid:a')).allowed).toBe(true);
    expect((await limiter.tryAcquire('paid:a')).allowed).toBe(true);
    expect((await limiter.tryAcquire('paid:a')).allowed).toBe(false);
    await limiter.penalize('free:a', 50);
    expect((await limiter.tryAcquire('free:a')).allowed).toBe(false);
  });

  it('validates windows', () => {
    expect(() => new MemoryRateLimiter({ rules: [{ limit: 0, windowMs: 1000 }] })).toThrow(/limit/);
    expect(() => new MemoryRateLimiter({ rules: [{ limit: 1, windowMs: -1 }] })).toThrow(/windowMs/);
    expect(() => new MemoryRateLimiter({ rules: [{ limit: 5, windowMs: 1000, burst: 0.5 }] })).toThrow(/burst/);
  });

  it('drops the state of keys that have fully refilled', async () => {
    const { limiter, clock } = virtual([{ limit: 10, windowMs: 100 }]);
    for (let i = 0; i < 3000; i++) await limiter.tryAcquire(`k${i}`);
    expect(limiter.size).toBeGreaterThan(1000);
    clock.now += 1000;
    for (let i = 0; i < 3000; i++) await limiter.tryAcquire('steady');
    expect(limiter.size).toBeLessThan(10);
  });

  it('createRateLimiter gives a memory limiter without Redis', async () => {
    const limiter = createRateLimiter({ rules: [{ limit: 1, windowMs: 1000 }] });
    expect(limiter).toBeInstanceOf(MemoryRateLimiter);
    expect((await limiter.tryAcquire('a')).allowed).toBe(true);
    expect((await limiter.tryAcquire('a')).allowed).toBe(false);
    await limiter.close();
  });
});
