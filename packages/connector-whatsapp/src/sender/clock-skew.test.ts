import { describe, expect, it } from 'vitest';
import { RecentExtreme, SlotClock } from './clock-skew.js';

describe('RecentExtreme', () => {
  it('keeps the extreme of the current and the previous second, and forgets older samples', () => {
    const clock = { now: 10_000 };
    const max = new RecentExtreme(Math.max, () => clock.now);
    expect(max.value()).toBeUndefined();
    max.sample(5);
    max.sample(3);
    expect(max.value()).toBe(5);
    clock.now = 11_200;
    expect(max.value()).toBe(5); // the previous second still counts
    max.sample(4);
    expect(max.value()).toBe(5);
    clock.now = 12_100;
    expect(max.value()).toBe(4); // 5 was two seconds ago
    clock.now = 14_000;
    expect(max.value()).toBeUndefined();
    const min = new RecentExtreme(Math.min, () => clock.now);
    min.sample(7);
    min.sample(2);
    expect(min.value()).toBe(2);
  });
});

describe('SlotClock', () => {
  it("bounds a slot's age by the time since the limiter admitted it, on the limiter's clock", () => {
    const clocks = { monotonic: 1000, wall: 1_700_000_000_000 };
    const slotClock = new SlotClock({ monotonic: () => clocks.monotonic, wall: () => clocks.wall });
    // The limiter's clock runs 30 ms behind ours; the call waited 100 ms in its queue before it ran.
    const { asked, askedWall } = slotClock.asking();
    const at = askedWall - 30 + 100;
    clocks.monotonic += 105;
    clocks.wall += 105;
    slotClock.answered(askedWall, at);
    // Without the limiter's time, only the time since asking counts.
    expect(slotClock.age({ asked })).toBe(105);
    // The only skew sample comes from the queued call itself (a lower bound, -70 ms): no tighter yet.
    expect(slotClock.age({ asked, at })).toBe(105);
    // A prompt call (admitted as it was made) shows the real skew, 30 ms.
    slotClock.answered(askedWall + 100, askedWall + 100 - 30);
    expect(slotClock.age({ asked, at })).toBe(5);
  });

  it('judges lateness against the quickest recent slot: a steady delay costs nothing', () => {
    const clocks = { monotonic: 0 };
    const slotClock = new SlotClock({ monotonic: () => clocks.monotonic, wall: () => 0 });
    clocks.monotonic = 80;
    expect(slotClock.lateness({ asked: 0 })).toBe(0);
    clocks.monotonic = 170;
    expect(slotClock.lateness({ asked: 90 })).toBe(0);
    clocks.monotonic = 400;
    expect(slotClock.lateness({ asked: 200 })).toBe(120);
  });
});
