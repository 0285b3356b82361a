import { MemoryRateLimiter } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_JITTER_MS,
  numberKey,
  numberPacing,
  numberSendCost,
  whatsAppRateRules,
  type WhatsAppRateOptions,
} from './rules.js';

/**
 * A greedy sender on a virtual clock: acquires the number's slot back to back for `seconds`,
 * oversleeping every wait by a random 0-3 ms (timer granularity, a busy loop) and now and then
 * stalling for `stallMs` (GC, descheduling). Returns the admission times, ms.
 */
async function greedyAdmissions(
  options: WhatsAppRateOptions,
  seconds: number,
  seed: number,
  stallMs = 0,
  /** Units each send takes, by the virtual time since the start (the adaptive allowance's cost). */
  cost: (elapsedMs: number) => number = () => 1,
): Promise<number[]> {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  // Epoch-ms magnitudes, as in production: the limiter's float arithmetic there is part of what is proven.
  const clock = { now: 1_700_000_000_000 };
  const limiter = new MemoryRateLimiter({
    rules: whatsAppRateRules(options),
    now: () => clock.now,
    sleep: async (ms) => {
      clock.now += ms + random() * 3;
    },
  });
  const start = clock.now;
  const end = clock.now + seconds * 1000;
  const times: number[] = [];
  while (clock.now < end) {
    await limiter.acquire(numberKey('PNID'), cost(clock.now - start));
    times.push(clock.now);
    if (stallMs && random() < 0.002) clock.now += random() * stallMs;
  }
  return times;
}

/** Most admissions inside any half-open interval (x, x + lengthMs]. */
function densest(times: number[], lengthMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - lengthMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Meta's check as the fake makes it: most arrivals inside any sliding second. */
function densestSecondAtMeta(admissions: number[], delay: (i: number) => number): number {
  return densest(
    admissions.map((a, i) => a + delay(i)).sort((x, y) => x - y),
    1000,
  );
}

describe('numberPacing', () => {
  it('derives pace and burst from the limit, the jitter allowance and the catch-up time', () => {
    expect(numberPacing({ messagesPerSecond: 1000 })).toMatchObject({
      limit: 1000,
      burst: 10,
      jitterMs: DEFAULT_JITTER_MS,
      window: { limit: 991, windowMs: 1025, burst: 10 },
    });
    expect(numberPacing({ messagesPerSecond: 1000 }).ratePerSecond).toBeCloseTo(966.83, 2);
    expect(numberPacing()).toMatchObject({ limit: 80, burst: 2, window: { limit: 79, windowMs: 1025, burst: 2 } });
    expect(numberPacing({ messagesPerSecond: 80, jitterMs: 0 }).ratePerSecond).toBe(79);
    expect(numberPacing({ messagesPerSecond: 80, inboundReserve: 10 }).window.limit).toBe(69);
    expect(() => numberPacing({ messagesPerSecond: 1001 })).toThrow(RangeError);
    expect(() => numberPacing({ messagesPerSecond: 2, inboundReserve: 1 })).toThrow(/no room/);
    expect(() => numberPacing({ jitterMs: -1 })).toThrow(RangeError);
  });

  it('keeps at least 96 % of the limit at 80/s and 1,000/s with the defaults', () => {
    expect(numberPacing({ messagesPerSecond: 80 }).ratePerSecond / 80).toBeGreaterThan(0.96);
    expect(numberPacing({ messagesPerSecond: 1000 }).ratePerSecond / 1000).toBeGreaterThan(0.96);
  });
});

describe('no jitter up to jitterMs can produce a 130429', () => {
  for (const options of [
    { messagesPerSecond: 20 },
    { messagesPerSecond: 80 },
    { messagesPerSecond: 150 },
    { messagesPerSecond: 1000 },
    { messagesPerSecond: 1000, jitterMs: 60, catchUpMs: 30 },
    { messagesPerSecond: 80, inboundReserve: 8 },
  ] satisfies WhatsAppRateOptions[]) {
    it(`${JSON.stringify(options)}`, async () => {
      const pacing = numberPacing(options);
      const outboundLimit = pacing.limit - (options.inboundReserve ?? 0);
      const admissions = await greedyAdmissions(options, 12, 7, 40);
      // Every send reaches Meta after a delay in [d, d + J]: the sends of one second at Meta were
      // admitted within a half-open interval of 1000 + J ms, so this is the worst case over every
      // possible jitter, not a sample of it.
      expect(densest(admissions, 1000 + pacing.jitterMs)).toBeLessThanOrEqual(outboundLimit);
      // The same through Meta's own check, with random and with adversarial delays.
      let s = 3;
      const uniform = () => ((s = (s * 16807) % 2147483647) / 2147483647) * pacing.jitterMs;
      expect(densestSecondAtMeta(admissions, uniform)).toBeLessThanOrEqual(outboundLimit);
      const half = admissions[Math.floor(admissions.length / 2)]!;
      expect(densestSecondAtMeta(admissions, (i) => (admissions[i]! < half ? pacing.jitterMs : 0))).toBeLessThanOrEqual(
        outboundLimit,
      );
      // The allowance is not slack for free: jitter well beyond it does overfill a second.
      expect(
        densest(admissions, 1000 + pacing.jitterMs + 40 + (2000 * pacing.burst) / pacing.ratePerSecond),
      ).toBeGreaterThan(outboundLimit);
    });
  }
});

describe('the pace is kept although timers fire late', () => {
  it('a poller oversleeping every wait by up to 3 ms still sends at the derived pace (the burst takes the missed slots back)', async () => {
    for (const mps of [80, 1000]) {
      const pacing = numberPacing({ messagesPerSecond: mps });
      const admissions = await greedyAdmissions({ messagesPerSecond: mps }, 20, 11);
      const rate = ((admissions.length - 1) / (admissions.at(-1)! - admissions[0]!)) * 1000;
      expect(rate / pacing.ratePerSecond).toBeGreaterThan(0.995);
      expect(rate).toBeLessThanOrEqual(pacing.ratePerSecond * 1.001 + pacing.burst / 20);
    }
  });
});

describe('a widened allowance J (adaptive pacing) keeps the bound for every jitter up to J', () => {
  for (const [mps, widened] of [
    [80, 40],
    [80, 80],
    [1000, 40],
    [1000, 63],
    [1000, 80],
  ] as const) {
    it(`${mps}/s, limiter derived for ${DEFAULT_JITTER_MS} ms, sends paced for ${widened} ms`, async () => {
      const base = numberPacing({ messagesPerSecond: mps });
      const cost = numberSendCost(base, widened);
      const admissions = await greedyAdmissions({ messagesPerSecond: mps }, 12, 5, 40, () => cost);
      // The worst case over every jitter up to J: a second at Meta holds sends admitted within 1000 + J ms.
      expect(densest(admissions, 1000 + widened)).toBeLessThanOrEqual(mps);
      // And the pace is numberPacing's pace for J (late timers, no stalls): widening costs only what J must.
      const unstalled = await greedyAdmissions({ messagesPerSecond: mps }, 12, 5, 0, () => cost);
      const rate = ((unstalled.length - 1) / (unstalled.at(-1)! - unstalled[0]!)) * 1000;
      const paced = numberPacing({ messagesPerSecond: mps, jitterMs: widened }).ratePerSecond;
      expect(rate / paced).toBeGreaterThan(0.99);
      expect(rate).toBeLessThanOrEqual(paced * 1.001 + base.burst / 12);
      // Unwidened, the same limiter does overfill a second for that jitter.
      const fixed = await greedyAdmissions({ messagesPerSecond: mps }, 12, 5, 40);
      expect(densest(fixed, 1000 + widened)).toBeGreaterThan(mps);
    });
  }

  it('a sender widening mid-run keeps the wider bound for every second that starts after it widened', async () => {
    const base = numberPacing({ messagesPerSecond: 1000 });
    const cost = numberSendCost(base, 80);
    const admissions = await greedyAdmissions({ messagesPerSecond: 1000 }, 12, 9, 40, (t) => (t < 4000 ? 1 : cost));
    const after = admissions.filter((t) => t >= admissions[0]! + 4000);
    expect(densest(after, 1080)).toBeLessThanOrEqual(1000);
  });

  it('costs nothing while the allowance is the configured one', () => {
    expect(numberSendCost(numberPacing({ messagesPerSecond: 1000 }), DEFAULT_JITTER_MS)).toBe(1);
    expect(numberSendCost(numberPacing({ messagesPerSecond: 1000 }), 10)).toBe(1);
    expect(numberSendCost(numberPacing({ messagesPerSecond: 1000, jitterMs: 40 }), 80)).toBeCloseTo(1080 / 1040, 12);
  });
});
