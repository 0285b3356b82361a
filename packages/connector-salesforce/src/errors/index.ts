import { RelaykitError, isRelaykitError, type RelaykitErrorOptions } from '@relaykit/sdk-core';
import type { BulkIngestResult } from '../bulk/types.js';

/** One error item of a Salesforce REST answer (`errorCode`) or collection row (`statusCode`). */
export interface SalesforceErrorItem {
  /** `errorCode` of a REST error, or `statusCode` of a per-record collection error. */
  errorCode: string;
  message: string;
  fields?: string[] | undefined;
}

/**
 * Salesforce answered a REST call with an error array (`[{"errorCode","message","fields"}]`):
 * validation (`REQUIRED_FIELD_MISSING`, `INVALID_FIELD`, ...), `NOT_FOUND`, `UNABLE_TO_LOCK_ROW`, ...
 * `errorCode` is the first item's code; `errors` holds them all.
 */
export class SalesforceApiError extends RelaykitError {
  public readonly isSalesforceApiError = true;
  /** HTTP status of the answer. */
  public readonly status: number;
  /** Salesforce's code of the first error, e.g. `REQUIRED_FIELD_MISSING`. */
  public readonly errorCode: string;
  public readonly errors: ReadonlyArray<SalesforceErrorItem>;

  constructor(status: number, errors: ReadonlyArray<SalesforceErrorItem>, options: RelaykitErrorOptions = {}) {
    const first = errors[0] ?? { errorCode: `HTTP_${status}`, message: `Salesforce answered HTTP ${status}` };
    super(status === 404 ? 'NOT_FOUND' : 'SALESFORCE_API', `Salesforce ${first.errorCode}: ${first.message}`, {
      ...options,
      details: { status, errorCode: first.errorCode, fields: first.fields, ...options.details },
    });
    this.name = 'SalesforceApiError';
    this.status = status;
    this.errorCode = first.errorCode;
    this.errors = errors;
  }
}

/** True for a {@link SalesforceApiError} from any package copy; with `errorCode`, only for that code. */
export function isSalesforceApiError(error: unknown, errorCode?: string): error is SalesforceApiError {
  return (
    isRelaykitError(error) &&
    (error as { isSalesforceApiError?: unknown }).isSalesforceApiError === true &&
    (errorCode === undefined || (error as SalesforceApiError).errorCode === errorCode)
  );
}

/** Why authentication failed. */
export type SalesforceAuthReason =
  /** The token endpoint refused the grant (`invalid_grant`, `invalid_client_id`, ...). */
  | 'token_request'
  /** 401 "This session is not valid for use with the REST API": a refresh cannot cure it. */
  | 'session_not_valid_for_rest'
  /** The API gateway (APIM) refused the subscription key. */
  | 'gateway_subscription'
  /** A refreshed session was refused again. */
  | 'session_rejected_after_refresh';

/** Authentication failed in a way that retrying or refreshing will not cure. Fails fast; never loops. */
export class SalesforceAuthError extends RelaykitError {
  public readonly isSalesforceAuthError = true;
  public readonly reason: SalesforceAuthReason;
  /** OAuth `error` (e.g. `invalid_grant`) when the token endpoint answered. */
  public readonly oauthError: string | undefined;

  constructor(
    message: string,
    init: { reason: SalesforceAuthReason; oauthError?: string | undefined; status?: number | undefined },
    options: RelaykitErrorOptions = {},
  ) {
    super('UPSTREAM_AUTH', message, {
      ...options,
      details: { reason: init.reason, oauthError: init.oauthError, status: init.status, ...options.details },
    });
    this.name = 'SalesforceAuthError';
    this.reason = init.reason;
    this.oauthError = init.oauthError;
  }
}

/** True for a {@link SalesforceAuthError} from any package copy. */
export function isSalesforceAuthError(error: unknown): error is SalesforceAuthError {
  return isRelaykitError(error) && (error as { isSalesforceAuthError?: unknown }).isSalesforceAuthError === true;
}

/** An upsert by external id matched several records (HTTP 300). Nothing was written. */
export class SalesforceMultipleMatchesError extends RelaykitError {
  public readonly isSalesforceMultipleMatchesError = true;
  /** Ids of the matching records. */
  public readonly matches: ReadonlyArray<string>;
  /** Record URLs exactly as Salesforce listed them (rebased onto the API gateway when one is set). */
  public readonly urls: ReadonlyArray<string>;

  constructor(
    sobject: string,
    externalIdField: string,
    value: string,
    urls: ReadonlyArray<string>,
    options: RelaykitErrorOptions = {},
  ) {
    const matches = urls.map((u) => u.slice(u.lastIndexOf('/') + 1));
    super(
      'SALESFORCE_MULTIPLE_MATCHES',
      `${sobject}.${externalIdField} = ${JSON.stringify(value)} matches ${matches.length} records (${matches.join(', ')}); nothing was written`,
      {
        ...options,
        details: { sobject, externalIdField, matches, ...options.details },
      },
    );
    this.name = 'SalesforceMultipleMatchesError';
    this.matches = matches;
    this.urls = urls;
  }
}

/** True for a {@link SalesforceMultipleMatchesError} from any package copy. */
export function isSalesforceMultipleMatchesError(error: unknown): error is SalesforceMultipleMatchesError {
  return (
    isRelaykitError(error) &&
    (error as { isSalesforceMultipleMatchesError?: unknown }).isSalesforceMultipleMatchesError === true
  );
}

/** Which limit refused the work. */
export type SalesforceLimitKind =
  /** Salesforce: the org's 24-hour API allocation is spent (403 `REQUEST_LIMIT_EXCEEDED` "TotalRequests"). */
  | 'total_requests'
  /** Our guard refused non-urgent work at the configured share of the daily allocation. */
  | 'guard'
  /** The API gateway's call-volume quota is spent (403 with `Retry-After`, often an hour). */
  | 'gateway_quota'
  /** The API gateway's rate limit (429 with `Retry-After`) outlasted the waits the client allows. */
  | 'gateway_rate_limit';

/**
 * A limit refused the work: the org's 24-hour API allocation is spent (403 `REQUEST_LIMIT_EXCEEDED`
 * "TotalRequests"), the client's own guard stopped non-urgent work at the configured share of it,
 * or the API gateway's quota or rate limit refused the call. For a spent allocation or quota the
 * circuit is opened, so later calls fail at once instead of burning more requests. `retryAfterMs`
 * is when to try again, when known. The code is `UPSTREAM_RATE_LIMITED` for the gateway's limits.
 */
export class SalesforceLimitError extends RelaykitError {
  public readonly isSalesforceLimitError = true;
  public readonly kind: SalesforceLimitKind;
  public readonly used: number | undefined;
  public readonly max: number | undefined;
  /** When the limit lets calls through again, in ms from when the answer arrived (from `Retry-After`). */
  public readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    init: {
      kind: SalesforceLimitKind;
      used?: number | undefined;
      max?: number | undefined;
      retryAfterMs?: number | undefined;
    },
    options: RelaykitErrorOptions = {},
  ) {
    super(LIMIT_CODES[init.kind], message, {
      ...options,
      details: {
        kind: init.kind,
        used: init.used,
        max: init.max,
        retryAfterMs: init.retryAfterMs,
        ...options.details,
      },
    });
    this.name = 'SalesforceLimitError';
    this.kind = init.kind;
    this.used = init.used;
    this.max = init.max;
    this.retryAfterMs = init.retryAfterMs;
  }
}

const LIMIT_CODES: Record<SalesforceLimitKind, string> = {
  total_requests: 'SALESFORCE_TOTAL_REQUESTS',
  guard: 'SALESFORCE_LIMIT_GUARD',
  gateway_quota: 'UPSTREAM_RATE_LIMITED',
  gateway_rate_limit: 'UPSTREAM_RATE_LIMITED',
};

/**
 * The limit error for an API gateway's refusal (APIM's `{statusCode, message}` with 429, or 403 for a
 * spent quota), carrying its `Retry-After`. Not an authentication failure.
 */
export function gatewayLimitError(error: {
  status: number;
  body: unknown;
  retryAfterMs?: number | undefined;
}): SalesforceLimitError {
  const quota = error.status === 403;
  const said = (error.body as { message?: unknown } | undefined)?.message;
  const wait = error.retryAfterMs === undefined ? '' : `; retry in ${Math.ceil(error.retryAfterMs / 1000)} s`;
  return new SalesforceLimitError(
    `The API gateway refused the call (${quota ? 'quota spent' : 'rate limit'}, HTTP ${error.status})${wait}${typeof said === 'string' ? `: ${said}` : ''}`,
    { kind: quota ? 'gateway_quota' : 'gateway_rate_limit', retryAfterMs: error.retryAfterMs },
    { cause: error },
  );
}

/** True for a {@link SalesforceLimitError} from any package copy. */
export function isSalesforceLimitError(error: unknown): error is SalesforceLimitError {
  return isRelaykitError(error) && (error as { isSalesforceLimitError?: unknown }).isSalesforceLimitError === true;
}

/**
 * A Bulk API 2.0 job ended `Failed` (with Salesforce's `errorMessage` for an ingest job; a failed
 * query job carries none) or `Aborted` (by a user, an admin or a cancel). For an ingest job that
 * processed rows before it stopped, `partial` holds the outcome of every input row so far — rows
 * written, rows failed, and the rest `unprocessed` — so nothing written goes unreported.
 */
export class SalesforceBulkJobError extends RelaykitError {
  public readonly isSalesforceBulkJobError = true;
  public readonly jobId: string;
  /** `Failed` or `Aborted`. */
  public readonly state: string;
  /** `errorMessage` of the job, when Salesforce gave one. */
  public readonly errorMessage: string | undefined;
  /** Ingest only: results of the rows up to the stop, in input order. */
  public readonly partial: BulkIngestResult | undefined;

  constructor(
    jobId: string,
    state: string,
    errorMessage: string | undefined,
    options: RelaykitErrorOptions & { kind?: 'ingest' | 'query'; partial?: BulkIngestResult | undefined } = {},
  ) {
    const { kind, partial, ...rest } = options;
    const what = kind === 'query' ? 'Bulk query job' : kind === 'ingest' ? 'Bulk ingest job' : 'Bulk job';
    const done = partial ? ` after ${partial.successful} rows written and ${partial.failed} failed` : '';
    super(
      'SALESFORCE_BULK_JOB',
      `${what} ${jobId} ended ${state}${done}${errorMessage ? `: ${errorMessage}` : state === 'Failed' ? ' (Salesforce gave no reason)' : ''}`,
      {
        ...rest,
        details: {
          jobId,
          state,
          errorMessage,
          kind,
          ...(partial
            ? { successful: partial.successful, failed: partial.failed, unprocessed: partial.unprocessed }
            : {}),
          ...rest.details,
        },
      },
    );
    this.name = 'SalesforceBulkJobError';
    this.jobId = jobId;
    this.state = state;
    this.errorMessage = errorMessage;
    this.partial = partial;
  }
}

/** True for a {@link SalesforceBulkJobError} from any package copy. */
export function isSalesforceBulkJobError(error: unknown): error is SalesforceBulkJobError {
  return isRelaykitError(error) && (error as { isSalesforceBulkJobError?: unknown }).isSalesforceBulkJobError === true;
}

/** Reads Salesforce's error array (or a single object) into items; undefined when the body is not one. */
export function salesforceErrorItems(body: unknown): SalesforceErrorItem[] | undefined {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && ('errorCode' in body || 'statusCode' in body) && 'message' in body
      ? [body]
      : undefined;
  if (!list) return undefined;
  const items: SalesforceErrorItem[] = [];
  for (const raw of list) {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const r = raw as { errorCode?: unknown; statusCode?: unknown; message?: unknown; fields?: unknown };
    const code =
      typeof r.errorCode === 'string' ? r.errorCode : typeof r.statusCode === 'string' ? r.statusCode : undefined;
    if (code === undefined) return undefined;
    items.push({
      errorCode: code,
      message: typeof r.message === 'string' ? r.message : '',
      fields: Array.isArray(r.fields) ? r.fields.map(String) : undefined,
    });
  }
  return items;
}
