import type { CompiledWindow } from './rules.js';
import type { RateDecision } from './types.js';

// Float slack so that e.g. 3 × (1000/3) ms still fits a 1000 ms tolerance.
const EPSILON = 1e-6;

/** State of one key: theoretical arrival time per window field, and a penalty end (ms). */
export interface GcraState {
  tats: Map<string, number>;
  penaltyUntil: number;
}

/**
 * One GCRA decision over several windows, all or nothing: `cost` is charged to every window only
 * when every window admits it and no penalty is running. Mutates `state` only when allowed.
 * The Redis Lua script implements the same arithmetic; keep the two in step.
 */
export function gcraDecide(state: GcraState, windows: ReadonlyArray<CompiledWindow>, cost: number, now: number): RateDecision {
  let allowed = true;
  let retryAfterMs = 0;
  if (state.penaltyUntil > now) {
    allowed = false;
    retryAfterMs = state.penaltyUntil - now;
  }
  const next: number[] = [];
  for (const w of windows) {
    const tat = Math.max(state.tats.get(w.field) ?? now, now);
    const newTat = tat + cost * w.intervalMs;
    next.push(newTat);
    const over = newTat - now - w.toleranceMs;
    if (over > EPSILON) {
      allowed = false;
      retryAfterMs = Math.max(retryAfterMs, over);
    }
  }
  if (allowed) windows.forEach((w, i) => state.tats.set(w.field, next[i]!));

  // The tightest window: fewest units left; on a tie, the one that takes longest to refill.
  let remaining = Infinity;
  let limit = 0;
  let resetMs = 0;
  for (const w of windows) {
    const tat = Math.max(state.tats.get(w.field) ?? now, now);
    const left = Math.max(0, Math.floor((w.toleranceMs - (tat - now)) / w.intervalMs + EPSILON));
    const reset = tat - now;
    if (left < remaining || (left === remaining && reset > resetMs)) {
      remaining = left;
      limit = w.limit;
      resetMs = reset;
    }
  }
  if (remaining === Infinity) remaining = 0;
  if (!allowed) return { allowed, retryAfterMs, remaining, limit, resetMs, at: now };
  let nextInMs = 0;
  for (const w of windows) {
    const wait = (state.tats.get(w.field) ?? now) + w.intervalMs - w.toleranceMs - now;
    if (wait > EPSILON) nextInMs = Math.max(nextInMs, wait);
  }
  return { allowed, retryAfterMs: 0, remaining, limit, resetMs, nextInMs, at: now };
}

/** True when the state is the same as no state at all (everything refilled, no penalty): safe to drop. */
export function gcraIdle(state: GcraState, now: number): boolean {
  if (state.penaltyUntil > now) return false;
  for (const tat of state.tats.values()) if (tat > now) return false;
  return true;
}
