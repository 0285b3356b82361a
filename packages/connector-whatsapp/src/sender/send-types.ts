/** What a successful send returns. */
export interface SendResult {
  /** `wamid...` — the id status webhooks refer to. */
  messageId: string;
  /** Recipient in E.164. */
  to: string;
  /** Meta's `wa_id` for the recipient. */
  waId: string;
  /** `accepted`, `held_for_quality_assessment` or `paused` when Meta says so. */
  messageStatus?: string | undefined;
  /** Template language finally used (after fallbacks). */
  language?: string | undefined;
  attempts: number;
  /** True when this result was replayed from the idempotency store (nothing was sent). */
  replayed: boolean;
}

/** Options of one send. */
export interface SendOptions {
  /** Same key, same message → sent at most once; the first result is returned again. */
  idempotencyKey?: string;
  /**
   * Your own id of this message (e.g. the notification row's id). When `idempotencyKey` is not
   * given, the key is derived from it (`msg:<sourceId>`), so a replayed job never sends twice.
   */
  sourceId?: string;
  signal?: AbortSignal;
  /** For templates: languages to try, in order, when Meta answers 132001 (missing translation). */
  fallbackLanguages?: string[];
  /** How long a claim on `idempotencyKey` blocks duplicates while the send is in flight. Default 5 min. */
  lockTtlMs?: number;
  /**
   * When false, `signal` only cancels waiting (for the limiter, a back-off): a request already on
   * the wire finishes, so its outcome is known and recorded. Default true.
   */
  abortInFlight?: boolean;
}
