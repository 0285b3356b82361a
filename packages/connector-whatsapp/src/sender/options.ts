import type { HttpRequester, IdempotencyStore, RateLimiter } from '@relaykit/sdk-core';
import { numberPacing, type NumberPacing, type WhatsAppRateOptions } from './rules.js';

/**
 * Options of `WhatsAppSender`. The pacing options are {@link WhatsAppRateOptions} (the number's throughput,
 * jitter allowance, catch-up burst, inbound reserve and pair rate), used for the default limiter and the sender's own
 * pacing. Of `jitterMs`, half is kept for this process: a send that leaves more than that later after its admission
 * than the quickest recent ones takes a fresh slot. Pass the same values to `whatsAppRateRules` when you give
 * your own `limiter`.
 */
export interface WhatsAppSenderOptions extends WhatsAppRateOptions {
  /** The business phone number's id (not the number itself). */
  phoneNumberId: string;
  /** A system-user access token. Never logged. */
  accessToken: string;
  /** Graph API version. Default `v21.0`. */
  apiVersion?: string;
  /** Default `https://graph.facebook.com`; the fake's URL in tests. */
  baseUrl?: string;
  /** HTTP client (e.g. from `ctx.createHttpClient`); default: an sdk-core HttpClient the sender owns. */
  http?: HttpRequester;
  /**
   * Limiter holding both the number's and the pairs' windows (see `whatsAppRateRules`);
   * default: one on `redisUrl` (shared by every worker) or in memory.
   */
  limiter?: RateLimiter;
  /** Redis for the default limiter and idempotency store. */
  redisUrl?: string;
  /** Key prefix for the default limiter and store. Default `relaykit:whatsapp`. */
  prefix?: string;
  /**
   * Widens the jitter allowance while lag is measured (request round-trip spread, event-loop delay), pacing slower
   * so that a loaded machine still puts no more than the limit into any second at Meta (see `AdaptiveAllowance`).
   * Default on, up to 80 ms; `false` keeps `jitterMs` fixed.
   */
  adaptiveJitter?: false | { maxJitterMs?: number; holdMs?: number };
  /** Where idempotent sends are remembered (default: memory, or Redis with `redisUrl`). */
  idempotency?: IdempotencyStore;
  /** Region for local numbers (`NP`: `98XXXXXXXX` → `+97798XXXXXXXX`). */
  defaultRegion?: string;
  /** Back-off after 131056, per retry (default 1, 4, 16, 64 s). */
  pairBackoffMs?: ReadonlyArray<number>;
  /** Retries after 130429 (default 5); each penalizes the number's limiter for every worker. */
  throughputRetries?: number;
  /**
   * Pause of the number's limiter (for every worker) after a 130429, doubled per retry of the same
   * message (default 250 ms: the pace is already below the limit, so a short pause lets the window drain).
   */
  throughputPenaltyMs?: number;
  /** Attempts for transient errors (131000, 1, 2, 131016, 133004). Default 3. */
  transientAttempts?: number;
  /** How long the sender pauses after 131048 (spam) or 368 (policy). Default 15 min. */
  pauseMs?: number;
  /** Waiters of this process polling the number's limiter at once (default 1: the others queue locally). */
  limiterPollers?: number;
  /** HTTP connections to Graph. Default 64. */
  connections?: number;
}

// Every pacing option, named once: `rateOptions` picks exactly these, whatever WhatsAppRateOptions gains later
// must be added here (the `satisfies` clause fails the build otherwise).
const RATE_OPTION_KEYS = {
  messagesPerSecond: true,
  jitterMs: true,
  catchUpMs: true,
  inboundReserve: true,
  pairRate: true,
} as const satisfies Record<keyof WhatsAppRateOptions, true>;

/** The {@link WhatsAppRateOptions} among a sender's options (the ones given; absent ones stay absent). */
export function rateOptions(options: WhatsAppSenderOptions): WhatsAppRateOptions {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(RATE_OPTION_KEYS) as Array<keyof WhatsAppRateOptions>)
    if (options[key] !== undefined) out[key] = options[key];
  return out as WhatsAppRateOptions;
}

/** The number's pacing for these options, or undefined when they do not derive one (then nothing adapts). */
export function tryNumberPacing(options: WhatsAppRateOptions): NumberPacing | undefined {
  try {
    return numberPacing(options);
  } catch {
    return undefined;
  }
}
