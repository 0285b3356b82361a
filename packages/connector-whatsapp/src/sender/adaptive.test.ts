import { MemoryRateLimiter } from '@relaykit/sdk-core';
import { afterEach, describe, expect, it } from 'vitest';
import { message, param } from '../messages/builders.js';
import { startFakeGraph, type FakeGraph } from '../testing/index.js';
import type { SenderEvent } from './events.js';
import { AdaptiveAllowance } from './lag.js';
import { numberPacing } from './rules.js';
import { WhatsAppSender } from './sender.js';
import { expectSpeedUnlessBusy } from '@relaykit/testkit';

describe('AdaptiveAllowance', () => {
  const make = (options: { eld?: number; maxMs?: number } = {}) => {
    const clock = { now: 0 };
    const allowance = new AdaptiveAllowance({
      baseMs: 25,
      holdMs: 1000,
      now: () => clock.now,
      eventLoopDelayMs: () => options.eld ?? 0,
      ...(options.maxMs ? { maxMs: options.maxMs } : {}),
    });
    return { clock, allowance };
  };

  it('keeps the configured allowance while round trips vary less than its upstream half', () => {
    const { clock, allowance } = make();
    for (let i = 0; i < 500; i++) {
      clock.now += 1;
      allowance.roundTrip(3 + (i % 10));
      expect(allowance.allowanceMs()).toBe(25);
    }
  });

  it('widens at once to cover the measured spread, holds it, then narrows back', () => {
    const { clock, allowance } = make();
    for (let i = 0; i < 300; i++) {
      clock.now += 1;
      allowance.roundTrip(4);
      allowance.allowanceMs();
    }
    // A stalled upstream: a run of round trips 50 ms slower than the quickest.
    for (let i = 0; i < 20; i++) allowance.roundTrip(54);
    clock.now += 6;
    // Own half (12.5) + the 50 ms measured on the way to Meta.
    expect(allowance.allowanceMs()).toBe(63);
    clock.now += 900;
    for (let i = 0; i < 2000; i++) allowance.roundTrip(4);
    expect(allowance.allowanceMs()).toBe(63);
    clock.now += 2500;
    for (let i = 0; i < 2000; i++) allowance.roundTrip(4);
    expect(allowance.allowanceMs()).toBe(25);
  });

  it('counts event-loop delay as lag, and never goes past maxMs', () => {
    expect(make({ eld: 40 }).allowance.allowanceMs()).toBe(53);
    expect(make({ eld: 400 }).allowance.allowanceMs()).toBe(80);
    expect(make({ eld: 400, maxMs: 150 }).allowance.allowanceMs()).toBe(150);
  });
});

describe('a loaded upstream (the fake stalls 60 ms every 900 ms)', () => {
  let fake: FakeGraph | undefined;
  let sender: WhatsAppSender | undefined;
  afterEach(async () => {
    await sender?.close();
    await fake?.close();
  });

  // Paced for a 25 ms spread, a sender overfills the second that starts with a stall: the fake counts 1,060 ms
  // of sends in it. Having measured the stall once, an adaptive sender paces for it.
  it('once the sender has seen the lag, no sliding second at the upstream exceeds the limit', async () => {
    const MPS = 200;
    fake = await startFakeGraph({
      throughputPerSecond: MPS,
      pairRate: false,
      stalls: { everyMs: 900, forMs: 60 },
    });
    sender = new WhatsAppSender({
      phoneNumberId: 'PNID',
      accessToken: fake.accessToken,
      baseUrl: fake.url,
      messagesPerSecond: MPS,
      pairRate: false,
      throughputRetries: 10,
    });
    const events: SenderEvent[] = [];
    sender.on((e) => events.push(e));
    let i = 0;
    const sendFor = async (ms: number) => {
      const end = performance.now() + ms;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (performance.now() < end) {
            const to = `+97798${String(i++).padStart(8, '0')}`;
            await sender!.send(message.template(to, 'notice', 'en_US', { body: [param.text('a')] }));
          }
        }),
      );
    };
    await sendFor(2500);
    const measuredFrom = performance.now();
    await sendFor(5000);
    const late = fake.rejections.filter((r) => r.code === 130429 && r.at >= measuredFrom);
    expect(late, `allowance ${sender.jitterAllowanceMs} ms`).toEqual([]);
    expect(sender.jitterAllowanceMs).toBeGreaterThanOrEqual(60);
    expect(events.some((e) => e.type === 'pacing')).toBe(true);
    // And it kept sending: at least 70 % of the pace of the widest allowance (a busy test host loses slots to late
    // timers; the bench measures the rate itself).
    const measured = fake.messages.filter((m) => m.at >= measuredFrom);
    const floor = 0.7 * numberPacing({ messagesPerSecond: MPS, jitterMs: 80 }).ratePerSecond;
    expectSpeedUnlessBusy(
      'at least 70 % of the paced rate',
      `${measured.length / 5}/s, floor ${floor.toFixed(1)}/s`,
      () => expect(measured.length / 5).toBeGreaterThan(floor),
    );
  }, 30_000);

  it('a limiter of your own with a burst of 1 keeps its own pace: the sender stops widening instead of failing', async () => {
    fake = await startFakeGraph({ throughputPerSecond: 1000, pairRate: false, stalls: { everyMs: 300, forMs: 60 } });
    sender = new WhatsAppSender({
      phoneNumberId: 'PNID',
      accessToken: fake.accessToken,
      baseUrl: fake.url,
      limiter: new MemoryRateLimiter({ rules: [{ limit: 100, windowMs: 1000, burst: 1 }] }),
      pairRate: false,
    });
    const sends = Array.from({ length: 150 }, (_, i) =>
      sender!.send(
        message.template(`+97798${String(i).padStart(8, '0')}`, 'notice', 'en_US', { body: [param.text('a')] }),
      ),
    );
    expect((await Promise.allSettled(sends)).filter((r) => r.status === 'rejected')).toEqual([]);
    expect(sender.jitterAllowanceMs).toBe(25);
  }, 30_000);
});
