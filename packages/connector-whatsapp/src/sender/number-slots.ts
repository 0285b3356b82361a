import { isValidationError, sleep, throwIfAborted, type RateDecision, type RateLimiter } from '@relaykit/sdk-core';
import type { AdaptivePacing } from './adaptive-pacing.js';
import { SlotClock, type NumberSlot } from './clock-skew.js';
import { PollerGate } from './poller-gate.js';
import { BACK_OFF } from './retry.js';
import type { NumberPacing } from './rules.js';

/** Options of {@link NumberSlots}. */
export interface NumberSlotsOptions {
  /** The shared limiter and the number's key in it. */
  limiter: RateLimiter;
  key: string;
  /** The number's pacing, when the options derive one. */
  pacing: NumberPacing | undefined;
  /** The sender's adaptive pacing (the cost of one send). */
  adaptive: AdaptivePacing;
  /** Jitter allowance, ms: half of it is this process's share. */
  jitterMs: number;
  /** Waiters of this process polling the limiter at once. */
  pollers: number;
  /** Told of every slot left unused because it went stale (how late it was, ms). */
  onStale(lateMs: number): void;
}

/** Takes slots of the number's limiter for this process's sends. */
export class NumberSlots {
  private readonly gate: PollerGate;
  private readonly clock = new SlotClock();
  private nextSlotAt = 0;

  constructor(private readonly options: NumberSlotsOptions) {
    this.gate = new PollerGate(options.pollers);
  }

  /**
   * Takes a slot of the number's limiter that is still fresh when the request leaves. The pacing
   * (see `numberPacing`) holds for any spread of delays up to `jitterMs` between admission
   * and Meta; half of it is kept for this process. A send that leaves more than that half later
   * after its admission than the quickest recent ones (the process stalled: GC, CPU throttling,
   * descheduling) would reach Meta late, on top of sends admitted after it — so it takes a fresh
   * slot instead and leaves the stale one unused.
   */
  async acquireFresh(options: { signal?: AbortSignal }): Promise<void> {
    const ownShareMs = this.options.jitterMs / 2;
    for (;;) {
      const lateMs = this.clock.lateness(await this.acquire(options));
      // Written so that a NaN (a limiter with an odd clock) sends rather than spins.
      if (!(lateMs > ownShareMs)) return;
      this.options.onStale(lateMs);
    }
  }

  /**
   * Takes one slot of the number's limiter and resolves with when the admitting call was made
   * (`performance.now()`: the admission happened after it) and the limiter's admission time.
   * At most `pollers` waiters of this process poll the shared limiter at once, the rest queue
   * locally (see {@link PollerGate}). Slots a late poller missed are not lost: the window's
   * small burst lets it take them back to back.
   */
  private acquire(options: { signal?: AbortSignal }): Promise<NumberSlot> {
    return this.gate.run(async () => {
      // The last admission said when the next slot frees up: sleep until then rather than ask now
      // and be told to wait.
      const wait = this.nextSlotAt - performance.now();
      if (wait >= 1) await sleep(Math.floor(wait), options.signal, BACK_OFF);
      for (;;) {
        throwIfAborted(options.signal, "Waiting for the number's rate limit");
        const cost = this.options.adaptive.sendCost();
        const { asked, askedWall } = this.clock.asking();
        const decision = await this.tryAcquire(cost);
        this.clock.answered(askedWall, decision.at);
        if (decision.allowed) {
          // `nextInMs` is for one unit; a widened send takes `cost` units, the rest of them later still.
          const pacing = this.options.pacing;
          const extra = decision.nextInMs && pacing ? (cost - 1) * (1000 / pacing.ratePerSecond) : 0;
          this.nextSlotAt = performance.now() + (decision.nextInMs ?? 0) + extra;
          return { asked, at: decision.at };
        }
        // Whole ms, at least 1: the next attempt is at or just after the moment the slot frees.
        await sleep(Math.max(1, Math.ceil(decision.retryAfterMs)), options.signal, BACK_OFF);
      }
    });
  }

  /**
   * `tryAcquire` with `cost`; a limiter of your own whose number window has a burst of 1 cannot take a widened
   * (fractional) cost: it then paces by its own window, and the sender stops widening.
   */
  private async tryAcquire(cost: number): Promise<RateDecision> {
    const { limiter, key } = this.options;
    if (cost === 1) return limiter.tryAcquire(key);
    try {
      return await limiter.tryAcquire(key, cost);
    } catch (error) {
      if (!isValidationError(error)) throw error;
      this.options.adaptive.stopWidening();
      return limiter.tryAcquire(key);
    }
  }
}
