import type { components } from './generated/openapi.js';

/** An RFC 9457 problem document as the gateway sends it (`application/problem+json`). */
export type Problem = components['schemas']['Problem'];

/** The gateway's stable problem codes (`VALIDATION`, `NOT_FOUND`, `RATE_LIMIT_EXCEEDED`, …). */
export type ProblemCode = Problem['code'];

/**
 * Reads `Retry-After` (delay-seconds or an HTTP-date) as milliseconds from `now`; undefined when absent or unreadable.
 * A date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`) beside digits: Date.parse would read '-1' as a year.
  const at = /GMT$/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** What {@link RelaykitApiError.fromResponse} reads: the answer's status and headers, and its parsed body. */
export interface ResponseLike {
  status: number;
  statusText?: string;
  headers: { get(name: string): string | null };
}

/**
 * A non-2xx answer of the gateway as a typed exception. `code` is the problem's stable code (or `HTTP_<status>` when the
 * body was not a problem document, e.g. a proxy's HTML page); `problem` is the whole body as sent.
 *
 * Use {@link isRelaykitApiError} rather than `instanceof`: it survives duplicated package copies (ESM and CJS).
 */
export class RelaykitApiError extends Error {
  /** Brand checked by {@link isRelaykitApiError}. */
  public readonly isRelaykitApiError = true;
  /** The HTTP status of the answer. */
  public readonly status: number;
  /** The problem's stable code, or `HTTP_<status>` when the body was not a problem document. */
  public readonly code: ProblemCode | (string & {});
  /** The problem's title (or the status text). */
  public readonly title: string;
  /** The problem's detail, when it has one. */
  public readonly detail: string | undefined;
  /**
   * How long to wait before trying again, in ms: from `Retry-After` (seconds or an HTTP-date), else the problem's
   * `retryAfterSeconds`; undefined when neither says.
   */
  public readonly retryAfterMs: number | undefined;
  /** The problem document as sent; for a body that was not one, a synthesised problem holding the raw `body`. */
  public readonly problem: Problem | (Partial<Problem> & { body?: unknown });

  constructor(
    status: number,
    problem: RelaykitApiError['problem'],
    options: { retryAfterMs?: number | undefined; statusText?: string; cause?: unknown } = {},
  ) {
    const code = typeof problem.code === 'string' ? problem.code : `HTTP_${status}`;
    const title = typeof problem.title === 'string' ? problem.title : options.statusText || `HTTP ${status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    super(`${code}: ${detail ?? title}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelaykitApiError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.problem = problem;
    this.retryAfterMs =
      options.retryAfterMs ??
      (typeof problem.retryAfterSeconds === 'number' ? problem.retryAfterSeconds * 1000 : undefined);
  }

  /** The error for an answer and its body (parsed JSON, or the raw text when it was not JSON). */
  static fromResponse(response: ResponseLike, body: unknown): RelaykitApiError {
    const problem =
      body && typeof body === 'object' && !Array.isArray(body)
        ? (body as Partial<Problem>)
        : { status: response.status, body };
    return new RelaykitApiError(response.status, problem, {
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      ...(response.statusText ? { statusText: response.statusText } : {}),
    });
  }
}

/** True for a {@link RelaykitApiError} from any copy of this package. */
export function isRelaykitApiError(error: unknown): error is RelaykitApiError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isRelaykitApiError?: unknown }).isRelaykitApiError === true
  );
}
