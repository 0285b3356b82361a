// Test support (not exported): GCRA in exact integer arithmetic, the yardstick the float
// implementations (gcra.ts, lua.ts) are checked against.

/** A window with integer limit, window and burst (what the exact arithmetic needs). */
export interface ExactWindow {
  limit: number;
  windowMs: number;
  burst?: number;
}

interface ExactState {
  /** Time unit of this window: 1/limit µs, so the emission interval (windowMs·1000/limit µs) is an integer. */
  scale: bigint;
  interval: bigint;
  tolerance: bigint;
  tat: bigint | undefined;
}

/**
 * GCRA over several windows, all or nothing, on integer µs timestamps with no rounding anywhere.
 * `decide(t)` answers whether `cost` units may go at `t` µs and charges them when they may.
 */
export class ExactGcra {
  private readonly windows: ExactState[];

  constructor(windows: ReadonlyArray<ExactWindow>) {
    this.windows = windows.map((w) => {
      const burst = w.burst ?? w.limit;
      if (![w.limit, w.windowMs, burst].every(Number.isInteger))
        throw new TypeError('ExactGcra needs integer limit, windowMs and burst');
      const interval = BigInt(w.windowMs) * 1000n;
      return { scale: BigInt(w.limit), interval, tolerance: BigInt(burst) * interval, tat: undefined };
    });
  }

  decide(atUs: bigint, cost = 1): boolean {
    const c = BigInt(cost);
    const next: bigint[] = [];
    for (const w of this.windows) {
      const now = atUs * w.scale;
      const tat = w.tat === undefined || w.tat < now ? now : w.tat;
      if (tat + c * w.interval - now > w.tolerance) return false;
      next.push(tat + c * w.interval);
    }
    for (const [i, w] of this.windows.entries()) w.tat = next[i]!;
    return true;
  }
}

/** Largest number of times inside any half-open span [t, t + windowMs) of sorted `times`. */
export function maxInAnyWindow(sorted: ReadonlyArray<number>, windowMs: number): number {
  let max = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j++;
    max = Math.max(max, j - i);
  }
  return max;
}
