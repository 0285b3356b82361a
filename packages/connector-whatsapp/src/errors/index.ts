import {
  RelaykitError,
  isHttpError,
  isRelaykitError,
  type ErrorClassifier,
  type RelaykitErrorOptions,
} from '@relaykit/sdk-core';

/** What a Cloud API error code means for the sender (the reference's table). */
export type MetaErrorCategory =
  | 'throughput' // 130429: the number's throughput is exhausted
  | 'pair' // 131056: too many to the same recipient
  | 'spam' // 131048: quality limit, pause
  | 'window' // 131047: outside the 24-hour window, template required
  | 'undeliverable' // 131026
  | 'transient' // 131000, 1, 2, 131016, 133004
  | 'upgrade' // 131057: throughput upgrade in progress
  | 'auth' // 190
  | 'app_rate' // 4, 80007, 613
  | 'invalid' // parameter and template errors
  | 'blocked' // 368
  | 'unknown';

const CATEGORIES: Record<number, MetaErrorCategory> = {
  130429: 'throughput',
  131056: 'pair',
  131048: 'spam',
  131047: 'window',
  131026: 'undeliverable',
  131000: 'transient',
  1: 'transient',
  2: 'transient',
  131016: 'transient',
  133004: 'transient',
  131057: 'upgrade',
  190: 'auth',
  4: 'app_rate',
  80007: 'app_rate',
  613: 'app_rate',
  368: 'blocked',
  100: 'invalid',
  131008: 'invalid',
  131009: 'invalid',
  132000: 'invalid',
  132001: 'invalid',
  132005: 'invalid',
  132007: 'invalid',
  132012: 'invalid',
  132015: 'invalid',
  132016: 'invalid',
  131051: 'invalid',
  131052: 'invalid',
  131053: 'invalid',
};

/** The category of a Cloud API `error.code`. */
export function categorizeMetaError(code: number): MetaErrorCategory {
  return CATEGORIES[code] ?? 'unknown';
}

/** Fields of a Graph API error body (`{"error": {...}}`). */
export interface MetaErrorFields {
  /** Meta's `error.code` (the table in the reference). */
  code: number;
  /** Meta's `error.message`. */
  message: string;
  /** Meta's `error.type` (e.g. `OAuthException`). */
  type?: string | undefined;
  /** Meta's `error.error_subcode`. */
  subcode?: number | undefined;
  /** Meta's `error.error_data.details`: the most specific explanation. */
  details?: string | undefined;
  /** Meta's `error.fbtrace_id`, for Meta support. */
  fbtraceId?: string | undefined;
  /** HTTP status it came with (informative only: classify by `code`). */
  httpStatus?: number | undefined;
}

/** The Cloud API refused a request. Classified by Meta's `error.code`, never by HTTP status. */
export class WhatsAppApiError extends RelaykitError {
  /** Brand checked by {@link isWhatsAppApiError}. */
  public readonly isWhatsAppApiError = true;
  /** Meta's `error.code` (e.g. 131056). */
  public readonly metaCode: number;
  /** What the code means for the sender (see {@link categorizeMetaError}). */
  public readonly category: MetaErrorCategory;
  /** Meta's `error.error_subcode`. */
  public readonly subcode: number | undefined;
  /** Meta's `error.fbtrace_id`, for Meta support. */
  public readonly fbtraceId: string | undefined;
  /** HTTP status it came with (informative only). */
  public readonly httpStatus: number | undefined;

  constructor(fields: MetaErrorFields, options: RelaykitErrorOptions & { code?: string } = {}) {
    super(
      options.code ?? 'WHATSAPP_API',
      `WhatsApp Cloud API error ${fields.code}: ${fields.message}${fields.details ? ` (${fields.details})` : ''}`,
      {
        ...options,
        details: {
          metaCode: fields.code,
          subcode: fields.subcode,
          fbtraceId: fields.fbtraceId,
          httpStatus: fields.httpStatus,
          ...options.details,
        },
      },
    );
    this.name = 'WhatsAppApiError';
    this.metaCode = fields.code;
    this.category = categorizeMetaError(fields.code);
    this.subcode = fields.subcode;
    this.fbtraceId = fields.fbtraceId;
    this.httpStatus = fields.httpStatus;
  }
}

/** True for a {@link WhatsAppApiError} (or subclass) from any package copy; with `metaCode`, only that code. */
export function isWhatsAppApiError(error: unknown, metaCode?: number): error is WhatsAppApiError {
  return (
    isRelaykitError(error) &&
    (error as { isWhatsAppApiError?: unknown }).isWhatsAppApiError === true &&
    (metaCode === undefined || (error as WhatsAppApiError).metaCode === metaCode)
  );
}

/** 131047: more than 24 hours since the user last wrote — only a template message can reach them. */
export class TemplateRequiredError extends WhatsAppApiError {
  /** Brand checked by {@link isTemplateRequiredError}. */
  public readonly isTemplateRequiredError = true;
  constructor(fields: MetaErrorFields, options: RelaykitErrorOptions = {}) {
    super(fields, { ...options, code: 'WHATSAPP_TEMPLATE_REQUIRED' });
    this.name = 'TemplateRequiredError';
  }
}
/** True for a {@link TemplateRequiredError}. */
export function isTemplateRequiredError(error: unknown): error is TemplateRequiredError {
  return isRelaykitError(error) && (error as { isTemplateRequiredError?: unknown }).isTemplateRequiredError === true;
}

/** 190: the access token expired or is invalid; nothing succeeds until it is replaced. */
export class WhatsAppCredentialsError extends WhatsAppApiError {
  /** Brand checked by {@link isWhatsAppCredentialsError}. */
  public readonly isWhatsAppCredentialsError = true;
  constructor(fields: MetaErrorFields, options: RelaykitErrorOptions = {}) {
    super(fields, { ...options, code: 'WHATSAPP_CREDENTIALS' });
    this.name = 'WhatsAppCredentialsError';
  }
}
/** True for a {@link WhatsAppCredentialsError}. */
export function isWhatsAppCredentialsError(error: unknown): error is WhatsAppCredentialsError {
  return (
    isRelaykitError(error) && (error as { isWhatsAppCredentialsError?: unknown }).isWhatsAppCredentialsError === true
  );
}

/** The sender is paused (after 131048 spam rate limit or 368 policy block) until `until`. */
export class SenderPausedError extends RelaykitError {
  /** Brand checked by {@link isSenderPausedError}. */
  public readonly isSenderPausedError = true;
  constructor(
    /** The paused business number's id. */
    readonly phoneNumberId: string,
    /** When sending may resume. */
    readonly until: Date,
    /** Meta's error code that caused the pause (131048 or 368). */
    readonly reasonCode: number,
    options: RelaykitErrorOptions = {},
  ) {
    super(
      'WHATSAPP_SENDER_PAUSED',
      `Sending from phone number ${phoneNumberId} is paused until ${until.toISOString()} (Meta error ${reasonCode})`,
      { ...options, details: { phoneNumberId, until: until.toISOString(), reasonCode } },
    );
    this.name = 'SenderPausedError';
  }
}
/** True for a {@link SenderPausedError}. */
export function isSenderPausedError(error: unknown): error is SenderPausedError {
  return isRelaykitError(error) && (error as { isSenderPausedError?: unknown }).isSenderPausedError === true;
}

/**
 * Reads the Graph error body out of an sdk-core `HttpError` and returns the matching typed error
 * ({@link TemplateRequiredError}, {@link WhatsAppCredentialsError} or {@link WhatsAppApiError}),
 * or undefined when the body is not a Graph error.
 */
export function toWhatsAppError(error: unknown): WhatsAppApiError | undefined {
  if (isWhatsAppApiError(error)) return error;
  if (!isHttpError(error)) return undefined;
  const body = error.body as
    | {
        error?: {
          code?: unknown;
          message?: unknown;
          type?: unknown;
          error_subcode?: unknown;
          error_data?: { details?: unknown };
          fbtrace_id?: unknown;
        };
      }
    | undefined;
  const e = body?.error;
  if (!e || typeof e.code !== 'number') return undefined;
  const fields: MetaErrorFields = {
    code: e.code,
    message: typeof e.message === 'string' ? e.message : 'error',
    type: typeof e.type === 'string' ? e.type : undefined,
    subcode: typeof e.error_subcode === 'number' ? e.error_subcode : undefined,
    details: typeof e.error_data?.details === 'string' ? e.error_data.details : undefined,
    fbtraceId: typeof e.fbtrace_id === 'string' ? e.fbtrace_id : undefined,
    httpStatus: error.status,
  };
  if (fields.code === 131047) return new TemplateRequiredError(fields, { cause: error });
  if (fields.code === 190) return new WhatsAppCredentialsError(fields, { cause: error });
  return new WhatsAppApiError(fields, { cause: error });
}

/** Back-off Meta asks for after a pair-rate error: 4^n seconds (1, 4, 16, 64). */
export const PAIR_BACKOFF_MS = [1000, 4000, 16_000, 64_000] as const;

/**
 * Retry decisions for WhatsApp errors, by `error.code`: throughput → retry after a second; pair →
 * 1, 4, 16, 64 s; upgrade → a minute; app call-rate → five minutes; transient → up to 3 attempts;
 * window, credentials, spam, policy and parameter/template errors → fatal.
 */
export const whatsAppClassifier: ErrorClassifier = (error, context) => {
  if (isSenderPausedError(error))
    return { action: 'retry_after', delayMs: Math.max(0, error.until.getTime() - Date.now()) };
  const e = toWhatsAppError(error);
  if (!e) return undefined;
  switch (e.category) {
    case 'throughput':
      return { action: 'retry_after', delayMs: 1000 };
    case 'pair':
      return {
        action: 'retry_after',
        delayMs: PAIR_BACKOFF_MS[Math.min(context.attempt - 1, PAIR_BACKOFF_MS.length - 1)]!,
      };
    case 'upgrade':
      return { action: 'retry_after', delayMs: 60_000 };
    case 'app_rate':
      return { action: 'retry_after', delayMs: 300_000 };
    case 'transient':
      return context.attempt < 3 ? { action: 'retry' } : { action: 'fatal' };
    default:
      return { action: 'fatal' };
  }
};

/** One problem found in a webhook payload: where (`path`) and what. */
export interface WebhookPayloadIssue {
  /** Path of the offending field, e.g. `["entry", 0, "changes"]`. */
  readonly path: ReadonlyArray<string | number>;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * A webhook body that is not a WhatsApp Business Account notification at all (wrong `object`, no
 * `entry` array). Code `WHATSAPP_WEBHOOK_PAYLOAD`; odd messages or statuses inside a valid
 * envelope never throw: they are kept as raw events.
 */
export class WebhookPayloadError extends RelaykitError {
  /** Brand checked by {@link isWebhookPayloadError}. */
  public readonly isWebhookPayloadError = true;
  /** Each problem of the envelope, by path. */
  public readonly issues: ReadonlyArray<WebhookPayloadIssue>;

  constructor(message: string, issues: ReadonlyArray<WebhookPayloadIssue> = [], options: RelaykitErrorOptions = {}) {
    super('WHATSAPP_WEBHOOK_PAYLOAD', message, { ...options, details: { issues, ...options.details } });
    this.name = 'WebhookPayloadError';
    this.issues = issues;
  }
}
/** True for a {@link WebhookPayloadError} from any package copy. */
export function isWebhookPayloadError(error: unknown): error is WebhookPayloadError {
  return isRelaykitError(error) && (error as { isWebhookPayloadError?: unknown }).isWebhookPayloadError === true;
}
