import { PAIR_BACKOFF_MS, type WhatsAppApiError } from '../errors/index.js';
import type { WhatsAppSenderOptions } from './options.js';

/** Names every wait of a send in its AbortedError ("Back-off wait was aborted"). */
export const BACK_OFF = 'Back-off wait';

/**
 * What to do after Meta refused one attempt of a send, as Meta asks for each `error.code` category:
 * - `throttle` (130429): pause the number's limiter for `penaltyMs` (every worker), then try again;
 * - `pair_backoff` (131056): pause this recipient's pair key for `delayMs`, then try again (retry `retry`);
 * - `transient` (131000, 1, 2, 131016, 133004): wait `delayMs`, then try again;
 * - `fallback` (132001 on a template): try again in the next language, `to`;
 * - `pause` (131048 spam, 368 policy): stop sending from the number, and fail;
 * - `credentials` (190): alert, and fail;
 * - `give_up`: fail (retries used up, or a refusal no retry changes).
 */
export type RetryStep =
  | { kind: 'throttle'; penaltyMs: number }
  | { kind: 'pair_backoff'; delayMs: number; retry: number }
  | { kind: 'transient'; delayMs: number }
  | { kind: 'fallback'; from: string; to: string }
  | { kind: 'pause'; reason: 'spam_rate_limit' | 'policy_block' }
  | { kind: 'credentials' }
  | { kind: 'give_up' };

/** The retry settings among a sender's options. */
export type RetryOptions = Pick<
  WhatsAppSenderOptions,
  'pairBackoffMs' | 'throughputRetries' | 'throughputPenaltyMs' | 'transientAttempts'
>;

/**
 * The retry state of one message: counts each kind of retry against its own budget and walks the template's
 * fallback languages. Decides only; the sender carries each step out (limiter penalties, waits, events).
 */
export class SendRetries {
  private throughput = 0;
  private pair = 0;
  private transient = 0;
  private languageIndex = 0;

  /** `languages`: for a template, its language then the fallbacks to try in order; else empty. */
  constructor(
    private readonly options: RetryOptions,
    private readonly languages: ReadonlyArray<string> = [],
  ) {}

  /** The step after `error` refused the latest attempt. */
  next(error: WhatsAppApiError): RetryStep {
    switch (error.category) {
      case 'throughput': {
        if (this.throughput >= (this.options.throughputRetries ?? 5)) return { kind: 'give_up' };
        return { kind: 'throttle', penaltyMs: (this.options.throughputPenaltyMs ?? 250) * 2 ** this.throughput++ };
      }
      case 'pair': {
        const delayMs = (this.options.pairBackoffMs ?? PAIR_BACKOFF_MS)[this.pair];
        if (delayMs === undefined) return { kind: 'give_up' };
        return { kind: 'pair_backoff', delayMs, retry: ++this.pair };
      }
      case 'transient': {
        if (++this.transient >= (this.options.transientAttempts ?? 3)) return { kind: 'give_up' };
        return { kind: 'transient', delayMs: 200 * 2 ** this.transient };
      }
      case 'spam':
        return { kind: 'pause', reason: 'spam_rate_limit' };
      case 'blocked':
        return { kind: 'pause', reason: 'policy_block' };
      case 'auth':
        return { kind: 'credentials' };
      case 'invalid': {
        if (error.metaCode === 132001 && this.languageIndex + 1 < this.languages.length) {
          const from = this.languages[this.languageIndex]!;
          return { kind: 'fallback', from, to: this.languages[++this.languageIndex]! };
        }
        return { kind: 'give_up' };
      }
      default:
        return { kind: 'give_up' };
    }
  }
}
