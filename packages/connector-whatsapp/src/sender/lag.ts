import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Options of {@link AdaptiveAllowance}. */
export interface AdaptiveAllowanceOptions {
  /** The configured allowance J₀, ms: never narrower than this (the limiter's window is derived from it). */
  baseMs: number;
  /** Never wider than this, ms (default 80: at 1,000/s the pace then stays above 0.9 of the limit). */
  maxMs?: number;
  /** A widened allowance is kept this long after the lag that caused it was last seen (default 5 s). */
  holdMs?: number;
  /** Clock, ms (tests drive a virtual one). Default `performance.now`. */
  now?: () => number;
  /** Event-loop delay in ms, sampled at each re-evaluation (default: a perf_hooks `monitorEventLoopDelay` p99). */
  eventLoopDelayMs?: () => number;
}

/** How often the measured lag is turned into an allowance, ms. */
const EVALUATE_EVERY_MS = 100;
/** Soonest re-evaluation after a round trip the allowance does not cover, ms. */
const URGENT_EVERY_MS = 5;
/** Round trips kept (about a second at 1,000/s). */
const SAMPLES = 1024;
/** Round trips older than this no longer count, ms. */
const HORIZON_MS = 2000;

/**
 * The jitter allowance, widened while lag is measured. The pacing bound (see `numberPacing`) holds for any spread up
 * to J of the delays between the limiter admitting a send and Meta receiving it. Half of the configured J₀ is this
 * process' own (the stale-slot check enforces it before a request leaves); the other half covers the way to Meta —
 * the event loop that writes the request, the kernel, the network and the upstream's own scheduling. On a loaded
 * machine that part grows, so it is measured: the spread of request round trips (p99 above the recent quickest:
 * a steadily slow path costs nothing) and the event-loop delay (p99). The allowance is
 * `J₀/2 + max(J₀/2, measured)`, clamped to [J₀, maxMs]; it widens at once and narrows only after `holdMs` without
 * that much lag.
 */
export class AdaptiveAllowance {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly holdMs: number;
  private readonly now: () => number;
  private readonly eventLoopDelayMs: () => number;
  private readonly histogram: IntervalHistogram | undefined;
  private readonly rtts = new Float64Array(SAMPLES);
  private readonly rttAt = new Float64Array(SAMPLES);
  private next = 0;
  private count = 0;
  private current: number;
  private widenedAt = -Infinity;
  private evaluatedAt = -Infinity;
  private lastLagMs = 0;
  /** The quickest round trip of the last evaluation's horizon (a cheap floor between evaluations). */
  private quickest = Infinity;
  private urgent = false;

  constructor(options: AdaptiveAllowanceOptions) {
    this.baseMs = options.baseMs;
    this.maxMs = Math.max(options.baseMs, options.maxMs ?? 80);
    this.holdMs = options.holdMs ?? 5000;
    this.now = options.now ?? (() => performance.now());
    this.current = this.baseMs;
    if (options.eventLoopDelayMs) this.eventLoopDelayMs = options.eventLoopDelayMs;
    else {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      this.histogram = histogram;
      let resetAt = this.now();
      this.eventLoopDelayMs = () => {
        // The histogram counts the timer's own resolution in; what is beyond it is lag.
        const p99 = histogram.count > 0 ? histogram.percentile(99) / 1e6 - 10 : 0;
        // Started afresh every 100 ms (not at each urgent re-evaluation, which would leave it without samples).
        if (this.now() - resetAt >= EVALUATE_EVERY_MS) {
          histogram.reset();
          resetAt = this.now();
        }
        return Math.max(0, p99);
      };
    }
  }

  /** Records one request's round trip (request handed to the HTTP client → answer), ms. */
  roundTrip(ms: number): void {
    if (!(ms >= 0)) return;
    this.rtts[this.next] = ms;
    this.rttAt[this.next] = this.now();
    this.next = (this.next + 1) % SAMPLES;
    this.count = Math.min(this.count + 1, SAMPLES);
    this.quickest = Math.min(this.quickest, ms);
    // A round trip beyond what the allowance covers: re-evaluate at the next send, not up to 100 ms later.
    if (this.current < this.maxMs && ms - this.quickest > this.current - this.baseMs / 2) this.urgent = true;
  }

  /** The allowance to pace by now, ms (whole ms, ≥ the configured one). */
  allowanceMs(): number {
    const now = this.now();
    const since = now - this.evaluatedAt;
    if (since >= EVALUATE_EVERY_MS || (this.urgent && since >= URGENT_EVERY_MS)) {
      this.evaluatedAt = now;
      this.urgent = false;
      this.evaluate(now);
    }
    return this.current;
  }

  /** The lag measured at the last re-evaluation, ms (for events and benches). */
  get lagMs(): number {
    return this.lastLagMs;
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.histogram?.disable();
  }

  private evaluate(now: number): void {
    const lag = Math.max(this.roundTripSpread(now), this.eventLoopDelayMs());
    this.lastLagMs = lag;
    const own = this.baseMs / 2;
    const target = Math.min(this.maxMs, Math.max(this.baseMs, Math.ceil(own + Math.max(this.baseMs - own, lag))));
    // Widen at once; narrow only once the wider allowance went unused for `holdMs` (lag comes in bursts).
    if (target >= this.current || now - this.widenedAt >= this.holdMs) {
      this.current = target;
      if (target > this.baseMs) this.widenedAt = now;
    }
  }

  /** p99 of the recent round trips minus the quickest of them: the part of the delay that varies. */
  private roundTripSpread(now: number): number {
    const recent: number[] = [];
    for (let i = 0; i < this.count; i++) if (now - this.rttAt[i]! <= HORIZON_MS) recent.push(this.rtts[i]!);
    recent.sort((a, b) => a - b);
    this.quickest = recent[0] ?? Infinity;
    if (recent.length < 2) return 0;
    return recent[Math.floor((recent.length - 1) * 0.99)]! - recent[0]!;
  }
}
