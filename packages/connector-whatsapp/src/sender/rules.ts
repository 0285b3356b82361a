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

/** Options of {@link whatsAppRateRules}. */
export interface WhatsAppRateOptions {
  /** The number's throughput (80 default; 1,000 for upgraded numbers; 20 for numbers shared with the Business app). */
  messagesPerSecond?: number;
  /**
   * Fraction kept below the limit so network jitter between workers and Meta never pushes a
   * sliding second over it (default 0.05: 80/s is paced at 76/s).
   */
  safetyMargin?: number;
  pairRate?: PairRate | false;
}

/** Limiter key of a business phone number. */
export const numberKey = (phoneNumberId: string) => `number:${phoneNumberId}`;
/** Limiter key of a (business number, recipient) pair. */
export const pairKey = (phoneNumberId: string, waId: string) => `pair:${phoneNumberId}:${waId}`;

/**
 * Limiter rules for WhatsApp sends: `number:*` keys get a per-second pace below the limit with a
 * small burst, so no sliding second holds more than the limit even with some network jitter, `pair:*` keys get the pair rate.
 */
export function whatsAppRateRules(options: WhatsAppRateOptions = {}): RateLimitRules {
  const mps = options.messagesPerSecond ?? 80;
  if (!(mps > 0 && mps <= MAX_MESSAGES_PER_SECOND)) throw new RangeError(`messagesPerSecond must be in (0, ${MAX_MESSAGES_PER_SECOND}], got ${mps}`);
  const margin = options.safetyMargin ?? 0.05;
  const pace = Math.max(1, mps * (1 - margin));
  // limit/windowMs gives the emission interval; per 10 s keeps fractional paces. Never burst 1:
  // a tolerance of exactly one interval is at the mercy of float rounding on epoch-ms clocks
  // (sdk-core's GCRA could then never admit).
  // The burst lets a poller that woke late (a busy event loop, a slow Redis round trip) take the
  // slots it missed instead of losing them; a third of the margin, the rest absorbs network jitter.
  const burst = Math.max(2, Math.floor((mps * margin) / 3));
  const number: RateWindow[] = [{ limit: Math.round(pace * 10), windowMs: 10_000, burst }];
  const pair = options.pairRate === false ? [] : [{ limit: 1, windowMs: (options.pairRate ?? DEFAULT_PAIR_RATE).intervalMs, burst: (options.pairRate ?? DEFAULT_PAIR_RATE).burst }];
  return (key: string) => (key.startsWith('pair:') ? pair : number);
}
