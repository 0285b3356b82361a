import { MemoryRateLimiter } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JITTER_MS, numberKey, numberPacing, whatsAppRateRules, type WhatsAppRateOptions } from './rules.js';

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
  const end = clock.now + seconds * 1000;
  const times: number[] = [];
  while (clock.now < end) {
    await limiter.acquire(numberKey('PNID'));
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
