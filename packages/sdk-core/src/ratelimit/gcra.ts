import type { CompiledWindow } from './rules.js';
import type { RateDecision } from './types.js';

/**
 * An instant split into whole ms and the fraction of a ms. A timestamp near 1.7e12 ms held as one
 * double only resolves 2.4e-4 ms, so `tat + interval` rounds by a constant residue every time: a
 * fractional interval then drifts, and `burst: 1` refused every request. Split, the sub-ms part
 * keeps full double precision and all arithmetic is done on small ms offsets from now.
 */
export interface SplitTime {
  /** Whole ms (an integer). */
  ms: number;
  /** Fraction of a ms, in [0, 1). */
  frac: number;
}

/** Splits `t` (ms) exactly: `t - floor(t)` is representable. */
export function splitTime(t: number): SplitTime {
  const ms = Math.floor(t);
  return { ms, frac: t - ms };
}

/** How far `tat` lies ahead of `now`, in ms (0 when it is not ahead). Exact up to the fractions' rounding. */
export function aheadOf(tat: SplitTime | undefined, now: SplitTime): number {
  if (tat === undefined) return 0;
  const ahead = tat.ms - now.ms + (tat.frac - now.frac);
  return Math.max(ahead, 0);
}

/** `now + aheadMs`, split. */
export function later(now: SplitTime, aheadMs: number): SplitTime {
  const x = now.frac + aheadMs;
  const whole = Math.floor(x);
  return { ms: now.ms + whole, frac: x - whole };
}

/**
 * Float slack of a comparison against a window's tolerance, so e.g. 3 × (1000/3) ms still fits a
 * 1000 ms tolerance. Offsets are ≤ the tolerance, so rounding is relative to it: 1e-12 of it (or
 * 1 ns) is thousands of ulps, yet far below any amount a real limit distinguishes.
 */
export function slackMs(w: CompiledWindow): number {
  return Math.max(1e-6, w.toleranceMs * 1e-12);
}

/** State of one key: theoretical arrival time per window field, and a penalty end (ms since the epoch). */
export interface GcraState {
  tats: Map<string, SplitTime>;
  penaltyUntil: number;
}

/**
 * One GCRA decision over several windows, all or nothing: `cost` is charged to every window only
 * when every window admits it and no penalty is running. Mutates `state` only when allowed.
 * Every comparison is on `ahead = max(0, tat - now)`, never on epoch-sized values.
 * The Redis Lua script (lua.ts) implements the same arithmetic; keep the two in step.
 */
export function gcraDecide(
  state: GcraState,
  windows: ReadonlyArray<CompiledWindow>,
  cost: number,
  now: number,
): RateDecision {
  const at = splitTime(now);
  let allowed = true;
  let retryAfterMs = 0;
  if (state.penaltyUntil > now) {
    allowed = false;
    retryAfterMs = state.penaltyUntil - now;
  }
  const aheads: number[] = [];
  for (const w of windows) {
    const ahead = aheadOf(state.tats.get(w.field), at);
    aheads.push(ahead);
    const over = ahead + cost * w.intervalMs - w.toleranceMs;
    if (over > slackMs(w)) {
      allowed = false;
      retryAfterMs = Math.max(retryAfterMs, over);
    }
  }
  if (allowed) {
    windows.forEach((w, i) => {
      aheads[i] = aheads[i]! + cost * w.intervalMs;
      state.tats.set(w.field, later(at, aheads[i]!));
    });
  }

  // The tightest window: fewest units left; on a tie, the one that takes longest to refill.
  let remaining = Infinity;
  let limit = 0;
  let resetMs = 0;
  windows.forEach((w, i) => {
    const ahead = aheads[i]!;
    const left = Math.max(0, Math.floor((w.toleranceMs - ahead + slackMs(w)) / w.intervalMs));
    if (left < remaining || (left === remaining && ahead > resetMs)) {
      remaining = left;
      limit = w.limit;
      resetMs = ahead;
    }
  });
  if (remaining === Infinity) remaining = 0;
  if (!allowed) return { allowed, retryAfterMs, remaining, limit, resetMs, at: now };
  let nextInMs = 0;
  windows.forEach((w, i) => {
    const wait = aheads[i]! + w.intervalMs - w.toleranceMs;
    if (wait > slackMs(w)) nextInMs = Math.max(nextInMs, wait);
  });
  return { allowed, retryAfterMs: 0, remaining, limit, resetMs, nextInMs, at: now };
}

/** True when the state is the same as no state at all (everything refilled, no penalty): safe to drop. */
export function gcraIdle(state: GcraState, now: number): boolean {
  if (state.penaltyUntil > now) return false;
  const at = splitTime(now);
  for (const tat of state.tats.values()) if (aheadOf(tat, at) > 0) return false;
  return true;
}
