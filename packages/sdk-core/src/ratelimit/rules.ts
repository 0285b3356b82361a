import { ValidationError } from '../errors/index.js';
import type { RateLimitRules, RateWindow } from './types.js';

/** A window ready for GCRA: emission interval and tolerance in ms. */
export interface CompiledWindow {
  /** Stable name of the window's state (`<windowMs>:<limit>:<burst>`). */
  readonly field: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly burst: number;
  /** Emission interval: windowMs / limit. */
  readonly intervalMs: number;
  /** Burst tolerance: burst × interval (how far ahead of now the theoretical arrival time may run). */
  readonly toleranceMs: number;
}

/** Validates windows and derives the GCRA parameters. */
export function compileWindows(windows: ReadonlyArray<RateWindow>, key?: string): CompiledWindow[] {
  return windows.map((w, i) => {
    const issue = (field: string, message: string) =>
      new ValidationError(
        `Invalid rate window ${i}${key === undefined ? '' : ` for key ${JSON.stringify(key)}`}: ${field} ${message}`,
        [{ path: [i, field], message }],
      );
    if (!Number.isFinite(w.limit) || w.limit <= 0) throw issue('limit', 'must be a positive number');
    if (!Number.isFinite(w.windowMs) || w.windowMs <= 0) throw issue('windowMs', 'must be a positive number of ms');
    const burst = w.burst ?? w.limit;
    if (!Number.isFinite(burst) || burst < 1) throw issue('burst', 'must be a number ≥ 1');
    const intervalMs = w.windowMs / w.limit;
    return {
      field: `${w.windowMs}:${w.limit}:${burst}`,
      limit: w.limit,
      windowMs: w.windowMs,
      burst,
      intervalMs,
      toleranceMs: burst * intervalMs,
    };
  });
}

/** Resolves rules (a fixed list, compiled once, or a function of the key) to compiled windows per key. */
export function rulesResolver(rules: RateLimitRules): (key: string) => CompiledWindow[] {
  if (typeof rules === 'function') return (key) => compileWindows(rules(key), key);
  const compiled = compileWindows(rules);
  return () => compiled;
}

/** Throws when `cost` is not a finite number ≥ 0, or when some window could never admit it. */
export function validateCost(key: string, cost: number, windows: ReadonlyArray<CompiledWindow>): void {
  if (!Number.isFinite(cost) || cost < 0)
    throw new ValidationError(`Rate-limit cost must be a finite number ≥ 0, got ${cost}`, [
      { path: ['cost'], message: 'must be ≥ 0' },
    ]);
  for (const w of windows) {
    if (cost > w.burst) {
      throw new ValidationError(
        `Cost ${cost} for ${JSON.stringify(key)} exceeds the burst (${w.burst}) of the ${w.limit}/${w.windowMs} ms window: it could never be admitted`,
        [{ path: ['cost'], message: `must be ≤ ${w.burst}` }],
      );
    }
  }
}
