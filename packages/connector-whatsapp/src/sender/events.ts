/** What a sender reports while it works (for metrics, logs and alerts). */
export type SenderEvent =
  | { type: 'sent'; phoneNumberId: string; to: string; messageId: string; attempts: number }
  | { type: 'replayed'; phoneNumberId: string; to: string; messageId: string }
  | { type: 'throttled'; phoneNumberId: string; code: 130429; penaltyMs: number }
  /** A send could not leave within its share of the jitter allowance (a stalled process): it took a fresh slot. */
  | { type: 'stale_slot'; phoneNumberId: string; lateMs: number }
  /**
   * The jitter allowance changed with the measured lag (see `AdaptiveAllowance`): the number is now paced at
   * `ratePerSecond` so that no spread of delays up to `jitterMs` overfills a second at Meta.
   */
  | { type: 'pacing'; phoneNumberId: string; jitterMs: number; lagMs: number; ratePerSecond: number }
  /** A transient Meta error (e.g. 131000, 2): the send waits `delayMs`, then tries again. */
  | { type: 'retrying'; phoneNumberId: string; to: string; code: number; delayMs: number }
  | { type: 'pair_backoff'; phoneNumberId: string; to: string; code: 131056; delayMs: number; retry: number }
  | {
      type: 'template_fallback';
      phoneNumberId: string;
      to: string;
      template: string;
      from: string;
      to_language: string;
    }
  | {
      type: 'alert';
      phoneNumberId: string;
      reason: 'spam_rate_limit' | 'policy_block' | 'credentials';
      code: number;
      pausedUntil?: Date;
    }
  | { type: 'failed'; phoneNumberId: string; to: string; code: number | string };

/** Receives {@link SenderEvent}s. */
export type SenderListener = (event: SenderEvent) => void;
