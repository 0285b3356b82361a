import { RelaykitError, isRelaykitError, type RelaykitErrorOptions } from '@relaykit/sdk-core';

/**
 * An error the gateway answers over HTTP as `application/problem+json` (RFC 9457).
 * `status` is the HTTP status; `code` is stable and documented at `/docs#problem-<code>`.
 */
export class GatewayHttpError extends RelaykitError {
  /** Brand checked by {@link isGatewayHttpError}. */
  public readonly isGatewayHttpError = true;
  public readonly status: number;
  public readonly title: string;
  /** Extra members of the problem document (e.g. `errors` for validation failures). */
  public readonly extensions: Record<string, unknown>;
  /** Response headers to add (e.g. `Retry-After`). */
  public readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    options: RelaykitErrorOptions & { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(code, detail, options);
    this.name = 'GatewayHttpError';
    this.status = status;
    this.title = title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** True for a {@link GatewayHttpError} from any package copy. */
export function isGatewayHttpError(error: unknown): error is GatewayHttpError {
  return isRelaykitError(error) && (error as { isGatewayHttpError?: unknown }).isGatewayHttpError === true;
}

/** The gateway's configuration is invalid; `problems` lists every one by path. */
export class ConfigError extends RelaykitError {
  /** Brand checked by {@link isConfigError}. */
  public readonly isConfigError = true;
  public readonly problems: ReadonlyArray<{ path: string; message: string }>;
  constructor(
    message: string,
    problems: ReadonlyArray<{ path: string; message: string }>,
    options: RelaykitErrorOptions = {},
  ) {
    super(
      'CONFIG',
      `${message}\n${problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n')}`,
      options,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** True for a {@link ConfigError} from any package copy. */
export function isConfigError(error: unknown): error is ConfigError {
  return isRelaykitError(error) && (error as { isConfigError?: unknown }).isConfigError === true;
}

/** A job or plugin problem inside the gateway's runtime (plugin not found, not a connector, ...). */
export class PluginError extends RelaykitError {
  /** Brand checked by {@link isPluginError}. */
  public readonly isPluginError = true;
  constructor(message: string, options: RelaykitErrorOptions = {}) {
    super('PLUGIN', message, options);
    this.name = 'PluginError';
  }
}

/** True for a {@link PluginError} from any package copy. */
export function isPluginError(error: unknown): error is PluginError {
  return isRelaykitError(error) && (error as { isPluginError?: unknown }).isPluginError === true;
}

/** API key scopes that do not follow the grammar `*`, `<instance>`, `<instance>:*` or `<instance>:<operation>`; `scopes` lists the bad ones. */
export class InvalidScopeError extends RelaykitError {
  /** Brand checked by {@link isInvalidScopeError}. */
  public readonly isInvalidScopeError = true;
  /** The scopes that were refused, as given. */
  public readonly scopes: readonly string[];
  constructor(scopes: readonly string[], reason: string, options: RelaykitErrorOptions = {}) {
    super('INVALID_SCOPE', reason, options);
    this.name = 'InvalidScopeError';
    this.scopes = scopes;
  }
}

/** True for an {@link InvalidScopeError} from any package copy. */
export function isInvalidScopeError(error: unknown): error is InvalidScopeError {
  return isRelaykitError(error) && (error as { isInvalidScopeError?: unknown }).isInvalidScopeError === true;
}

/** Stable problem codes the gateway serves, with their status and a one-line explanation for `/docs`. */
export const PROBLEM_CODES: Record<string, { status: number; title: string; explanation: string }> = {
  VALIDATION: {
    status: 400,
    title: 'Invalid request',
    explanation: 'The body or a parameter failed validation; `errors` lists each field by path.',
  },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON', explanation: 'The request body is not valid JSON.' },
  JSON_TOO_DEEP: {
    status: 400,
    title: 'JSON nested too deeply',
    explanation:
      'The JSON body nests arrays and objects deeper than `server.maxJsonDepth` (default 64); `maxDepth` says how deep.',
  },
  MALFORMED_REQUEST: {
    status: 400,
    title: 'Malformed HTTP request',
    explanation:
      'The request line, a header or the framing (e.g. a body longer than its Content-Length) is not valid HTTP/1.1; the connection is closed.',
  },
  IDEMPOTENCY_KEY_REQUIRED: {
    status: 400,
    title: 'Idempotency-Key required',
    explanation: 'This operation must be sent with an Idempotency-Key header (see idempotency.require).',
  },
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    title: 'Invalid Idempotency-Key',
    explanation: 'The Idempotency-Key header is empty or longer than 255 characters.',
  },
  UNAUTHENTICATED: {
    status: 401,
    title: 'Missing or invalid API key',
    explanation: 'Send `Authorization: Bearer <key>`; the key is unknown or revoked.',
  },
  FORBIDDEN_SCOPE: {
    status: 403,
    title: 'Out of scope',
    explanation:
      "The API key's scopes do not include this instance or operation, or the caller lacks the operator permission (`admin:read`, `admin:operate`, ...) the route needs.",
  },
  FORBIDDEN_ENVIRONMENT: {
    status: 403,
    title: 'Wrong environment',
    explanation: "The API key belongs to another environment than the instance's.",
  },
  WEBHOOK_SIGNATURE: {
    status: 401,
    title: 'Webhook signature invalid',
    explanation: "The webhook body did not verify against the sender's signature.",
  },
  WEBHOOK_VERIFICATION_FAILED: {
    status: 403,
    title: 'Webhook handshake refused',
    explanation:
      "The connector refused the webhook's verification handshake (e.g. a wrong verify token); the status is the connector's (403 for Meta).",
  },
  NOT_FOUND: { status: 404, title: 'Not found', explanation: 'No such route, instance, operation or job.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    explanation: 'The route exists but not for this method.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request timeout',
    explanation: 'The request (headers or body) did not arrive in time; the connection is closed.',
  },
  IDEMPOTENCY_IN_FLIGHT: {
    status: 409,
    title: 'Request in flight',
    explanation: 'A request with the same Idempotency-Key is still being processed; retry later.',
  },
  NOT_CANCELLABLE: {
    status: 409,
    title: 'Job not cancellable',
    explanation: 'Only a queued (or delayed) or retrying job can be cancelled; `status` says where the job stands.',
  },
  NOT_RETRYABLE: {
    status: 409,
    title: 'Job not retryable',
    explanation: 'Only a failed or dead job can be retried; `status` says where the job stands.',
  },
  SCHEDULE_DECLARED: {
    status: 409,
    title: 'Schedule declared elsewhere',
    explanation:
      'The schedule comes from the configuration file or a connector: change or remove it there (pause, resume and run now work through the API).',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    explanation: 'The body exceeds the configured size limit.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    explanation: 'Send `Content-Type: application/json`.',
  },
  IDEMPOTENCY_MISMATCH: {
    status: 422,
    title: 'Idempotency-Key reused',
    explanation: 'The Idempotency-Key was used before with a different method, path or body.',
  },
  SUBJECT_RESTRICTED: {
    status: 409,
    title: 'Processing restricted',
    explanation:
      'The job names a data subject whose processing is restricted (POST /v1/privacy/restrictions); nothing was accepted. It is accepted again once the restriction is lifted.',
  },
  PRIVACY_UNAVAILABLE: {
    status: 503,
    title: 'Privacy features not configured',
    explanation:
      'Subject access, erasure and restrictions need the blind index: configure `privacy.indexKey` (32 random bytes, base64).',
  },
  ENCRYPTION_NOT_CONFIGURED: {
    status: 409,
    title: 'Encryption not configured',
    explanation:
      'Rotating keys needs encryption at rest: configure `encryption.keys` with the new key as `primary` on every gateway first.',
  },
  RATE_LIMIT_EXCEEDED: {
    status: 429,
    title: 'Too many requests',
    explanation: 'The API key exceeded its rate limit; wait `Retry-After` seconds.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request headers too large',
    explanation: "The request's headers exceed the server's limit (16 KiB by default); the connection is closed.",
  },
  INTERNAL: {
    status: 500,
    title: 'Internal error',
    explanation: 'The gateway failed; the request id in `instance` helps find the log line.',
  },
  TOO_MANY_STREAMS: {
    status: 503,
    title: 'Too many live streams',
    explanation:
      'This gateway process already serves `ops.maxStreams` live streams (`GET /v1/admin/stream`); retry after `Retry-After` seconds or on another process.',
  },
  AUDIT_UNAVAILABLE: {
    status: 503,
    title: 'Audit log unavailable',
    explanation:
      'Audit entries cannot be written (the database refuses them) and more than `audit.maxBacklog` wait: calls are refused until they are written; retry after `Retry-After`.',
  },
  UNAVAILABLE: {
    status: 503,
    title: 'Shutting down or not ready',
    explanation: 'The gateway is stopping or a dependency is down; retry on another instance.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    title: 'Wrong user name or password',
    explanation: 'The console login failed; after `console.maxFailedLogins` failures in a row the account is locked.',
  },
  CSRF_TOKEN_INVALID: {
    status: 403,
    title: 'Missing or wrong CSRF token',
    explanation:
      "A state-changing request authenticated by the console session cookie must send the session's token (from login or `GET /v1/admin/me`) in `X-CSRF-Token`.",
  },
  USER_EXISTS: { status: 409, title: 'User exists', explanation: 'Another console user has this name (any case).' },
  LOGIN_LOCKED: {
    status: 429,
    title: 'Login locked',
    explanation:
      'Too many failed logins for this user or from this address; wait `Retry-After` seconds (see `console.lockout`).',
  },
};

/** Builds a {@link GatewayHttpError} for one of {@link PROBLEM_CODES}; `status` overrides the code's usual one. */
export function problem(
  code: keyof typeof PROBLEM_CODES & string,
  detail: string,
  options: {
    extensions?: Record<string, unknown>;
    headers?: Record<string, string>;
    cause?: unknown;
    status?: number;
  } = {},
): GatewayHttpError {
  const known = PROBLEM_CODES[code] ?? { status: 500, title: 'Error' };
  return new GatewayHttpError(options.status ?? known.status, code, known.title, detail, options);
}
