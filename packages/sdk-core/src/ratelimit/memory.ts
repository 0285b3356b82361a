import { ValidationError } from '../errors/index.js';
import { BaseRateLimiter } from './base.js';
import { gcraDecide, gcraIdle, type GcraState } from './gcra.js';
import { rulesResolver, validateCost, type CompiledWindow } from './rules.js';
import type { RateDecision, RateLimitRules } from './types.js';

/** Options of {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Windows for every key, or a function of the key. Empty: unlimited. */
  rules: RateLimitRules;
  /** Clock in ms (default `Date.now`); inject one to test the arithmetic deterministically. */
  now?: () => number;
  /** How `acquire` waits (default: an abortable `setTimeout`); inject one together with `now` in tests. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/**
 * GCRA limits for one process. State per key is a few numbers; keys that have fully refilled are
 * dropped by an amortised sweep, so many short-lived keys do not grow memory.
 */
export class MemoryRateLimiter extends BaseRateLimiter {
  private readonly states = new Map<string, GcraState>();
  private readonly windowsFor: (key: string) => CompiledWindow[];
  private readonly now: () => number;
  private readonly sleepFn: MemoryRateLimiterOptions['sleep'];
  private opsSinceSweep = 0;

  constructor(options: MemoryRateLimiterOptions) {
    super();
    this.windowsFor = rulesResolver(options.rules);
    this.now = options.now ?? Date.now;
    this.sleepFn = options.sleep;
  }

  protected override clock(): number {
    return this.now();
  }

  protected override pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return this.sleepFn ? this.sleepFn(ms, signal) : super.pause(ms, signal);
  }

  async tryAcquire(key: string, cost = 1): Promise<RateDecision> {
    const windows = this.windowsFor(key);
    validateCost(key, cost, windows);
    const now = this.now();
    this.maybeSweep(now);
    let state = this.states.get(key);
    if (windows.length === 0 && !state)
      return { allowed: true, retryAfterMs: 0, remaining: Infinity, limit: Infinity, resetMs: 0, at: now };
    if (!state) this.states.set(key, (state = { tats: new Map(), penaltyUntil: 0 }));
    const decision = gcraDecide(state, windows, cost, now);
    if (windows.length === 0) return { ...decision, remaining: Infinity, limit: Infinity };
    return decision;
  }

  async penalizeUntil(key: string, ms: number): Promise<number> {
    validatePenalty(ms);
    const until = this.now() + ms;
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = { tats: new Map(), penaltyUntil: 0 }));
    state.penaltyUntil = Math.max(state.penaltyUntil, until);
    return state.penaltyUntil;
  }

  /** Number of keys holding state (for tests and metrics). */
  get size(): number {
    return this.states.size;
  }

  async close(): Promise<void> {
    this.states.clear();
  }

  private maybeSweep(now: number): void {
    // Amortised O(1): a full pass only after as many operations as there are keys.
    if (++this.opsSinceSweep < Math.max(1024, this.states.size)) return;
    this.opsSinceSweep = 0;
    for (const [key, state] of this.states) if (gcraIdle(state, now)) this.states.delete(key);
  }
}

export function validatePenalty(ms: number): void {
  if (!Number.isFinite(ms) || ms < 0)
    throw new ValidationError(`Penalty must be a finite number of ms ≥ 0, got ${ms}`, [
      { path: ['ms'], message: 'must be ≥ 0' },
    ]);
}
