import type { RateLimitRules, RateWindow } from '@relaykit/sdk-core';

/** Meta's ceiling for a business phone number's throughput. */
export const MAX_MESSAGES_PER_SECOND = 1000;

/** Pair-rate limiter settings: one message per `intervalMs` to the same recipient, `burst` borrowed ahead. */
export interface PairRate {
  intervalMs: number;
  burst: number;
}

/** Default pair rate: 1 per 6 s with a burst of 40 (Meta tolerates about 45 in 6 s). */
export const DEFAULT_PAIR_RATE: PairRate = { intervalMs: 6000, burst: 40 };

/** Default {@link WhatsAppRateOptions.jitterMs}. */
export const DEFAULT_JITTER_MS = 25;
/** Default {@link WhatsAppRateOptions.catchUpMs}. */
export const DEFAULT_CATCH_UP_MS = 10;

/** Options of {@link whatsAppRateRules} and {@link numberPacing}. */
export interface WhatsAppRateOptions {
  /** The number's throughput (80 default; 1,000 for upgraded numbers; 20 for numbers shared with the Business app). */
  messagesPerSecond?: number;
  /**
   * Largest spread, in ms, of the delay between the limiter admitting a send and Meta receiving
   * it (network, a busy event loop, a GC pause, a descheduled worker) that must never cost a
   * 130429. Default 25. Each ms of allowance costs 0.1 % of the rate (see {@link numberPacing}).
   */
  jitterMs?: number;
  /**
   * How far behind, in ms of sending, a late poller may fall and still take back the slots it
   * missed (the limiter's burst). Default 10 (at least 2 slots). Costs `burst - 1` messages per second.
   */
  catchUpMs?: number;
  /**
   * Messages per second kept free for inbound traffic: Meta counts a number's inbound and outbound
   * messages together against its throughput. Default 0.
   */
  inboundReserve?: number;
  /** Pair-rate limiter per recipient; `false` leaves it to Meta. */
  pairRate?: PairRate | false;
}

/** How the number's limiter paces sends, derived from the limit, the jitter allowance and the burst. */
export interface NumberPacing {
  /** Meta's limit, messages per second. */
  limit: number;
  /** The limiter's burst (slots a late poller may take back to back). */
  burst: number;
  /** Jitter allowance, ms. */
  jitterMs: number;
  /** Sustained pace, messages per second. */
  ratePerSecond: number;
  /** The limiter window that implements it: `limit - inboundReserve - burst + 1` sends per `1000 + jitterMs` ms. */
  window: RateWindow;
}

/**
 * Derives the number's pacing so that no sliding second at Meta ever holds more than the limit.
 *
 * The limiter is a GCRA with emission interval `I = 1/rate` and burst `b`: over any half-open
 * interval of length `T` it admits at most `b - 1 + ⌈T / I⌉` sends. If every send reaches Meta
 * after a delay within `[d, d + J]`, the sends Meta sees in one second `(t - 1000, t]` were admitted
 * within a half-open interval of length `1000 + J`. So they number at most
 * `b - 1 + ⌈rate × (1000 + J) / 1000⌉`, which is ≤ `limit` exactly when
 * `rate ≤ (limit - b + 1) × 1000 / (1000 + J)` — the pace used here, expressed as a window of
 * `limit - b + 1` sends per `1000 + J` ms (whole numbers, so every worker's limiter computes the
 * same). At 1,000/s with the defaults (J = 25 ms, b = 10) that is 966.8/s; at 80/s (b = 2) 77.1/s.
 */
export function numberPacing(options: WhatsAppRateOptions = {}): NumberPacing {
  const limit = options.messagesPerSecond ?? 80;
  if (!(limit > 0 && limit <= MAX_MESSAGES_PER_SECOND))
    throw new RangeError(`messagesPerSecond must be in (0, ${MAX_MESSAGES_PER_SECOND}], got ${limit}`);
  const jitterMs = options.jitterMs ?? DEFAULT_JITTER_MS;
  if (!(jitterMs >= 0 && Number.isFinite(jitterMs)))
    throw new RangeError(`jitterMs must be a finite number ≥ 0, got ${jitterMs}`);
  const catchUpMs = options.catchUpMs ?? DEFAULT_CATCH_UP_MS;
  if (!(catchUpMs >= 0 && Number.isFinite(catchUpMs)))
    throw new RangeError(`catchUpMs must be a finite number ≥ 0, got ${catchUpMs}`);
  const reserve = options.inboundReserve ?? 0;
  const outbound = Math.floor(limit - reserve);
  // Burst ≥ 2: with a burst of one, a poller that wakes even a µs late loses that slot for good.
  const burst = Math.max(2, Math.ceil((limit * catchUpMs) / 1000));
  const sends = outbound - burst + 1;
  if (!(sends >= 1))
    throw new RangeError(
      `messagesPerSecond ${limit} leaves no room for sends with inboundReserve ${reserve} and a burst of ${burst}`,
    );
  // One ms more for float rounding: at epoch-ms magnitudes a double resolves ~0.24 µs, and a
  // limiter adding the emission interval to its TAT thousands of times drifts by up to ~0.1 ms a second.
  const windowMs = 1000 + Math.ceil(jitterMs);
  return {
    limit,
    burst,
    jitterMs: Math.ceil(jitterMs),
    ratePerSecond: (sends * 1000) / windowMs,
    window: { limit: sends, windowMs, burst },
  };
}

/**
 * What one send costs on the number's limiter while the allowance is widened to `allowanceMs` (see
 * `AdaptiveAllowance`): the window stays the one {@link numberPacing} derived for its `jitterMs` J₀ (every worker
 * shares it), and each send takes `(1000 + J) / (1000 + J₀)` units, so the pace becomes `numberPacing`'s pace for J.
 * The bound still holds for every spread up to J: with units of cost `c`, a half-open interval of length `T` admits
 * fewer than `T / (c × I) + b / c` sends, which for `T = 1000 + J` is `limit − b + 1 + b / c ≤ limit + 1`.
 * 1 for any allowance ≤ J₀.
 */
export function numberSendCost(pacing: NumberPacing, allowanceMs: number): number {
  return Math.max(1, (1000 + Math.ceil(allowanceMs)) / pacing.window.windowMs);
}

/** Limiter key of a business phone number. */
export const numberKey = (phoneNumberId: string) => `number:${phoneNumberId}`;
/** Limiter key of a (business number, recipient) pair. */
export const pairKey = (phoneNumberId: string, waId: string) => `pair:${phoneNumberId}:${waId}`;

/**
 * Limiter rules for WhatsApp sends: `number:*` keys get {@link numberPacing}'s window (no sliding
 * second at Meta over the limit for any jitter up to `jitterMs`), `pair:*` keys the pair rate.
 */
export function whatsAppRateRules(options: WhatsAppRateOptions = {}): RateLimitRules {
  const number: RateWindow[] = [numberPacing(options).window];
  const pairRate = options.pairRate ?? DEFAULT_PAIR_RATE;
  const pair: RateWindow[] =
    pairRate === false ? [] : [{ limit: 1, windowMs: pairRate.intervalMs, burst: pairRate.burst }];
  return (key: string) => (key.startsWith('pair:') ? pair : number);
}
