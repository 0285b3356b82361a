/**
 * Stable string codes carried by every relaykit error. Codes never change meaning; new ones may be added.
 * Connectors may add their own (for example `SALESFORCE_DUPLICATES`), so the type stays open.
 */
export type ErrorCode =
  | 'UPSTREAM_HTTP'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_AUTH'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_NETWORK'
  | 'UPSTREAM_REJECTED'
  | 'CIRCUIT_OPEN'
  | 'BULKHEAD_REJECTED'
  | 'ABORTED'
  | 'VALIDATION'
  | 'CONFIG'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'IDEMPOTENCY_IN_FLIGHT'
  | 'IDEMPOTENCY_MISMATCH'
  | 'RATE_LIMIT_EXCEEDED'
  | 'ENCRYPTION_KEY_MISSING'
  | 'ENCRYPTION_FAILED'
  | 'CHECKPOINT'
  | 'INTERNAL'
  | (string & {});

/** Options accepted by every relaykit error constructor. */
export interface RelaykitErrorOptions {
  /** The underlying error, kept for debugging and logs. */
  cause?: unknown;
  /** Structured, log-safe details (never secrets). */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error relaykit throws. Carries a stable {@link ErrorCode} and the `cause`.
 * Use {@link isRelaykitError} rather than `instanceof`: it survives duplicated package copies.
 */
export class RelaykitError extends Error {
  /** Brand checked by {@link isRelaykitError}. */
  public readonly isRelaykitError = true;
  /** Stable machine-readable code. */
  public readonly code: ErrorCode;
  /** Structured, log-safe details. */
  public readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: RelaykitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelaykitError';
    this.code = code;
    this.details = options.details;
  }

  /** A JSON-safe view for logs and problem+json bodies (no cause chain, no stack). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** True for any relaykit error, from any copy of this package. */
export function isRelaykitError(error: unknown): error is RelaykitError {
  return (
    typeof error === 'object' && error !== null && (error as { isRelaykitError?: unknown }).isRelaykitError === true
  );
}

/** True when `error` is a relaykit error with the given code. */
export function hasErrorCode(error: unknown, code: ErrorCode): error is RelaykitError {
  return isRelaykitError(error) && error.code === code;
}

/** Input or configuration failed validation. `issues` lists each failing field by path. */
export class ValidationError extends RelaykitError {
  public readonly isValidationError = true;
  /** Each problem with its path (e.g. `["contacts", 3, "email"]`) and a plain-words message. */
  public readonly issues: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }>;

  constructor(
    message: string,
    issues: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }> = [],
    options: RelaykitErrorOptions = {},
  ) {
    super('VALIDATION', message, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** True for a {@link ValidationError} from any package copy. */
export function isValidationError(error: unknown): error is ValidationError {
  return isRelaykitError(error) && (error as { isValidationError?: unknown }).isValidationError === true;
}

/** Thrown when work is cancelled through an `AbortSignal`. */
export class AbortedError extends RelaykitError {
  public readonly isAbortedError = true;
  constructor(message = 'The operation was aborted', options: RelaykitErrorOptions = {}) {
    super('ABORTED', message, options);
    this.name = 'AbortedError';
  }
}

/** True for an {@link AbortedError} from any package copy. */
export function isAbortedError(error: unknown): error is AbortedError {
  return isRelaykitError(error) && (error as { isAbortedError?: unknown }).isAbortedError === true;
}

/** Converts a zod-style error (anything with `issues: {path, message}[]`) into a {@link ValidationError}. */
export function toValidationError(
  message: string,
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
): ValidationError {
  const issues = error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
  }));
  const detail = issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
  return new ValidationError(`${message}: ${detail}`, issues, { cause: error });
}
