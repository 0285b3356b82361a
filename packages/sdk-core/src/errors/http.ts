import { RelaykitError, isRelaykitError, type ErrorCode, type RelaykitErrorOptions } from './base.js';

/** Where an upstream request stood when it was cut off. */
export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'policy';

/** What an {@link HttpError} is built from. */
export interface HttpErrorInit {
  status: number;
  /** Response headers, lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when the body is not JSON (an HTML error page), or undefined. */
  body: unknown;
  method: string;
  /** The request URL with secrets in its query string masked. */
  url: string;
  upstream: string;
  /** Parsed `Retry-After`, in ms from when the response arrived. */
  retryAfterMs?: number | undefined;
}

/** The stable code for an upstream status: auth, rate limit, unavailable, or plain `UPSTREAM_HTTP`. */
export function errorCodeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'UPSTREAM_AUTH';
  if (status === 429) return 'UPSTREAM_RATE_LIMITED';
  if (status === 502 || status === 503 || status === 504) return 'UPSTREAM_UNAVAILABLE';
  return 'UPSTREAM_HTTP';
}

/**
 * An upstream answered with a non-2xx status. The code is `UPSTREAM_AUTH` (401/403),
 * `UPSTREAM_RATE_LIMITED` (429), `UPSTREAM_UNAVAILABLE` (502/503/504) or `UPSTREAM_HTTP`.
 */
export class HttpError extends RelaykitError {
  /** Brand checked by {@link isHttpError}. */
  public readonly isHttpError = true;
  /** The upstream's HTTP status. */
  public readonly status: number;
  /** Response headers (lower-cased names). */
  public readonly headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, the raw text when it is not JSON (HTML error pages happen), or undefined. */
  public readonly body: unknown;
  /** Method of the failed request. */
  public readonly method: string;
  /** Request URL with query-string secrets masked. */
  public readonly url: string;
  /** Name of the upstream (the client's `upstream`). */
  public readonly upstream: string;
  /** Server hint from `Retry-After` (delta-seconds or HTTP-date), in ms; undefined when absent or unparsable. */
  public readonly retryAfterMs: number | undefined;

  constructor(init: HttpErrorInit, options: RelaykitErrorOptions = {}) {
    super(errorCodeForStatus(init.status), `${init.method} ${stripQuery(init.url)} failed with HTTP ${init.status}`, {
      ...options,
      details: {
        status: init.status,
        method: init.method,
        url: init.url,
        upstream: init.upstream,
        ...(init.retryAfterMs !== undefined ? { retryAfterMs: init.retryAfterMs } : {}),
        ...options.details,
      },
    });
    this.name = 'HttpError';
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.method = init.method;
    this.url = init.url;
    this.upstream = init.upstream;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** True for an {@link HttpError} from any package copy; with `status`, only for that status. */
export function isHttpError(error: unknown, status?: number): error is HttpError {
  return (
    isRelaykitError(error) &&
    (error as { isHttpError?: unknown }).isHttpError === true &&
    (status === undefined || (error as HttpError).status === status)
  );
}

/** An upstream did not connect, answer or finish its body in time, or the policy's timeout fired. */
export class UpstreamTimeoutError extends RelaykitError {
  /** Brand checked by {@link isUpstreamTimeoutError}. */
  public readonly isUpstreamTimeoutError = true;
  /** Which wait ran out. */
  public readonly phase: TimeoutPhase;
  /** The limit that was hit, when known. */
  public readonly timeoutMs: number | undefined;

  constructor(
    message: string,
    init: { phase: TimeoutPhase; timeoutMs?: number | undefined; upstream?: string },
    options: RelaykitErrorOptions = {},
  ) {
    super('UPSTREAM_TIMEOUT', message, {
      ...options,
      details: { phase: init.phase, timeoutMs: init.timeoutMs, upstream: init.upstream, ...options.details },
    });
    this.name = 'UpstreamTimeoutError';
    this.phase = init.phase;
    this.timeoutMs = init.timeoutMs;
  }
}

/** True for an {@link UpstreamTimeoutError} from any package copy. */
export function isUpstreamTimeoutError(error: unknown): error is UpstreamTimeoutError {
  return isRelaykitError(error) && (error as { isUpstreamTimeoutError?: unknown }).isUpstreamTimeoutError === true;
}

/** The connection failed: refused, reset, closed mid-response, DNS failure, TLS failure. */
export class UpstreamNetworkError extends RelaykitError {
  /** Brand checked by {@link isUpstreamNetworkError}. */
  public readonly isUpstreamNetworkError = true;
  /** The system or undici error code, e.g. `ECONNRESET`, `UND_ERR_SOCKET`. */
  public readonly errno: string | undefined;

  constructor(
    message: string,
    init: { errno?: string | undefined; upstream?: string } = {},
    options: RelaykitErrorOptions = {},
  ) {
    super('UPSTREAM_NETWORK', message, {
      ...options,
      details: { errno: init.errno, upstream: init.upstream, ...options.details },
    });
    this.name = 'UpstreamNetworkError';
    this.errno = init.errno;
  }
}

/** True for an {@link UpstreamNetworkError} from any package copy. */
export function isUpstreamNetworkError(error: unknown): error is UpstreamNetworkError {
  return isRelaykitError(error) && (error as { isUpstreamNetworkError?: unknown }).isUpstreamNetworkError === true;
}

/** The circuit breaker for an upstream is open (or isolated by hand): the call was not attempted. */
export class CircuitOpenError extends RelaykitError {
  /** Brand checked by {@link isCircuitOpenError}. */
  public readonly isCircuitOpenError = true;
  /** `open` after failures, `isolated` when opened by hand. */
  public readonly state: 'open' | 'isolated';
  /** Name of the upstream whose breaker is open. */
  public readonly upstream: string | undefined;

  constructor(
    message: string,
    init: { state: 'open' | 'isolated'; upstream?: string | undefined; reason?: string | undefined },
    options: RelaykitErrorOptions = {},
  ) {
    super('CIRCUIT_OPEN', message, {
      ...options,
      details: {
        state: init.state,
        upstream: init.upstream,
        ...(init.reason ? { reason: init.reason } : {}),
        ...options.details,
      },
    });
    this.name = 'CircuitOpenError';
    this.state = init.state;
    this.upstream = init.upstream;
  }
}

/** True for a {@link CircuitOpenError} from any package copy. */
export function isCircuitOpenError(error: unknown): error is CircuitOpenError {
  return isRelaykitError(error) && (error as { isCircuitOpenError?: unknown }).isCircuitOpenError === true;
}

/** The bulkhead is full (max in flight reached and its queue, if any, full too). */
export class BulkheadRejectedError extends RelaykitError {
  /** Brand checked by {@link isBulkheadRejectedError}. */
  public readonly isBulkheadRejectedError = true;
  constructor(
    message: string,
    init: { upstream?: string | undefined; maxInFlight?: number; maxQueued?: number } = {},
    options: RelaykitErrorOptions = {},
  ) {
    super('BULKHEAD_REJECTED', message, { ...options, details: { ...init, ...options.details } });
    this.name = 'BulkheadRejectedError';
  }
}

/** True for a {@link BulkheadRejectedError} from any package copy. */
export function isBulkheadRejectedError(error: unknown): error is BulkheadRejectedError {
  return isRelaykitError(error) && (error as { isBulkheadRejectedError?: unknown }).isBulkheadRejectedError === true;
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
