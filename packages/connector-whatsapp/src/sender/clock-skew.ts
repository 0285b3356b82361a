/** A slot of the number's limiter: when the admitting call was made (`performance.now()`) and the limiter's admission time. */
export interface NumberSlot {
  asked: number;
  at?: number | undefined;
}

/** The clocks {@link SlotClock} reads; injectable for tests. */
export interface SlotClocks {
  /** Monotonic ms (default `performance.now`). */
  monotonic?: () => number;
  /** Wall-clock ms (default `Date.now`). */
  wall?: () => number;
}

/**
 * Judges how late a slot of the number's limiter is used. Estimates the skew between this process's clock and the
 * limiter's (Redis server time) from its answers, so a slot's age can be read on the limiter's clock, and keeps the
 * smallest recent age: the constant part of the delay, which costs nothing.
 */
export class SlotClock {
  /** Lower bound of (local clock − limiter clock): the largest `asked − at` seen recently (`at ≥ asked + skew`). */
  private readonly skew: RecentExtreme;
  /** The smallest recent slot age at dispatch. */
  private readonly ageFloor: RecentExtreme;
  private readonly monotonic: () => number;
  private readonly wall: () => number;

  constructor(clocks: SlotClocks = {}) {
    this.monotonic = clocks.monotonic ?? (() => performance.now());
    this.wall = clocks.wall ?? Date.now;
    this.skew = new RecentExtreme(Math.max, this.monotonic);
    this.ageFloor = new RecentExtreme(Math.min, this.monotonic);
  }

  /** Stamps a call to the limiter about to be made: pass the result to {@link answered} with the limiter's `at`. */
  asking(): { asked: number; askedWall: number } {
    return { asked: this.monotonic(), askedWall: this.wall() };
  }

  /** Learns from the limiter's admission time `at` (its clock) of a call made at `askedWall` (ours). */
  answered(askedWall: number, at: number | undefined): void {
    if (at !== undefined) this.skew.sample(askedWall - at);
  }

  /**
   * How long ago, at most, the limiter admitted `slot` (ms). Always bounded by the time since the
   * admitting call was made; when the limiter reports its clock (`at`: Redis server time), also by
   * the time since `at` on that clock — much tighter when the call waited in Redis' queue before it
   * ran, which is not staleness (the slot was taken late, not early).
   */
  age(slot: NumberSlot): number {
    const sinceAsked = this.monotonic() - slot.asked;
    const skew = this.skew.value();
    if (slot.at === undefined || skew === undefined) return sinceAsked;
    return Math.min(sinceAsked, this.wall() - (slot.at + skew));
  }

  /**
   * How much later than the quickest recent slots `slot` is used now (ms). Only the spread of delays matters: a slow
   * but steady path to Redis is no reason to throw slots away.
   */
  lateness(slot: NumberSlot): number {
    const age = this.age(slot);
    this.ageFloor.sample(age);
    return age - (this.ageFloor.value() ?? age);
  }
}

/**
 * The largest (or smallest) value sampled in the last one to two seconds: recent enough to follow a
 * drifting clock (NTP slews ≤ 0.5 ms/s) or a changed network path, long enough to see fast samples.
 */
export class RecentExtreme {
  private epoch = -1;
  private current: number | undefined;
  private previous: number | undefined;

  constructor(
    private readonly pick: (a: number, b: number) => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  sample(value: number): void {
    const epoch = Math.floor(this.now() / 1000);
    if (epoch !== this.epoch) {
      this.previous = epoch === this.epoch + 1 ? this.current : undefined;
      this.current = undefined;
      this.epoch = epoch;
    }
    this.current = this.current === undefined ? value : this.pick(this.current, value);
  }

  value(): number | undefined {
    const epoch = Math.floor(this.now() / 1000);
    const values =
      epoch === this.epoch ? [this.current, this.previous] : epoch === this.epoch + 1 ? [this.current] : [];
    const known = values.filter((v): v is number => v !== undefined);
    return known.length === 0 ? undefined : known.reduce((a, b) => this.pick(a, b));
  }
}
