// Regression suite of issue 3 on real Redis: the Lua script keeps the same split-instant arithmetic
// as gcra.ts, so fractional intervals with small bursts admit exactly at the GCRA times on the
// server's clock (µs resolution) — the old script refused `burst: 1` forever.
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { ExactGcra, maxInAnyWindow } from '../test-support/ratelimit/gcra-reference.js';
import { useRedisLimiters } from '../test-support/ratelimit/limiters.js';
import type { RateWindow } from './types.js';

const servers = sharedServers();

// Reduced denominators ≤ 97: an exact over-the-limit amount is ≥ 1/97 µs, far above the 1 ns slack.
const WINDOWS: Array<Omit<RateWindow, 'burst'>> = [
  { limit: 9700, windowMs: 10_000 },
  { limit: 30, windowMs: 70 },
  { limit: 6, windowMs: 10 },
  { limit: 7, windowMs: 100 },
];

/** The decision's server time in whole µs (the script reports it exactly, to the µs). */
const micros = (at: number): bigint => BigInt(Math.round(at * 1000));

describe.skipIf(!servers.redisUrl)('RedisRateLimiter with fractional intervals (real Redis)', () => {
  const redis = useRedisLimiters(servers.redisUrl, 'rl-precision');
  const { prefix } = redis;
  const limiter = (rules: Parameters<typeof redis.limiter>[0]) => redis.limiter(rules);

  for (const window of WINDOWS) {
    it(`${window.limit}/${window.windowMs} ms, bursts 1–3: every decision is the exact GCRA decision at its server time`, async () => {
      for (const burst of [1, 2, 3]) {
        const rule = { ...window, burst };
        const l = limiter([rule]);
        const exact = new ExactGcra([rule]);
        const key = `hammer:${window.limit}:${window.windowMs}:${burst}`;
        const admitted: number[] = [];
        let decisions = 0;
        const until = Date.now() + Math.min(250, Math.max(60, 2 * window.windowMs));
        while (Date.now() < until) {
          const d = await l.tryAcquire(key);
          decisions++;
          expect({ at: d.at, allowed: d.allowed }).toEqual({ at: d.at, allowed: exact.decide(micros(d.at!)) });
          if (d.allowed) admitted.push(d.at!);
          else expect(d.retryAfterMs).toBeGreaterThan(0);
        }
        // The very first request of a fresh key goes at once (the old script refused it with burst 1).
        expect(admitted.length).toBeGreaterThanOrEqual(burst);
        expect(decisions).toBeGreaterThan(admitted.length);
        expect(maxInAnyWindow(admitted, window.windowMs)).toBeLessThanOrEqual(window.limit + burst - 1);
      }
    });
  }

  it('acquire with a deadline resolves (burst 1, 1.03 ms interval)', async () => {
    const l = limiter([{ limit: 9700, windowMs: 10_000, burst: 1 }]);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) times.push((await l.acquireDecision('deadline', 1, { maxWaitMs: 250 })).at!);
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(10_000 / 9700 - 1e-3);
  }, 10_000);

  it('reads a TAT stored by the previous version (one number) and writes the split form', async () => {
    const l = limiter([{ limit: 10, windowMs: 1000, burst: 1 }]);
    const first = await l.tryAcquire('legacy');
    const key = `${prefix}:legacy`;
    const field = '1000:10:1';
    expect(await redis.admin.hget(key, field)).toMatch(/^\d+ [\d.e+-]+$/);
    await redis.admin.hset(key, field, String(first.at! + 500.25));
    const denied = await l.tryAcquire('legacy');
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeCloseTo(first.at! + 500.25 - denied.at!, 2);
  });
});
