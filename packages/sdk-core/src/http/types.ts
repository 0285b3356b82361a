import type { Dispatcher } from 'undici';
import type { Logger } from '../logging/logger.js';
import type { RedactOptions } from '../logging/redact.js';
import type { ResiliencePolicyOptions } from '../resilience/policy.js';
import type { ResiliencePolicy } from '../resilience/types.js';
import type { TracerLike } from './otel.js';

/** HTTP methods the client sends. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Header values as undici returns them: lower-cased names. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Timeouts in milliseconds. Defaults: connect 10 s, headers 30 s, body 30 s (not undici's 300 s). */
export interface HttpTimeouts {
  connectMs?: number;
  headersMs?: number;
  bodyMs?: number;
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Base URL every relative path is resolved against, e.g. `https://api.example.com/v1/`. */
  baseUrl?: string;
  /** Headers sent with every request (e.g. `Ocp-Apim-Subscription-Key`). */
  defaultHeaders?: Record<string, string>;
  /** Max open connections per origin (undici Pool `connections`). Default 16. */
  connections?: number;
  /** Keep-alive idle timeout in ms. Default 4 s (undici's). */
  keepAliveTimeoutMs?: number;
  timeouts?: HttpTimeouts;
  /** A dispatcher to send through instead of our own pools (e.g. undici's `MockAgent` in tests). */
  dispatcher?: Dispatcher;
  /**
   * Retry, circuit breaker, timeout and bulkhead; none when omitted. Pass a policy (to share it) or
   * the options of `createResiliencePolicy` (the client then owns one policy, hence one breaker).
   */
  policy?: ResiliencePolicy | ResiliencePolicyOptions;
  /** Where log lines go; every line is redacted first. Default: silent. */
  logger?: Logger;
  /** How log lines are redacted, e.g. `{ maskPhones: true, maskEmails: true }`. */
  redact?: RedactOptions;
  /** Credentials added to every attempt; lets a 401 refresh them and replay once. */
  auth?: HttpAuth;
  /**
   * OpenTelemetry tracer for one client span per attempt. Default: the global tracer of
   * `@opentelemetry/api` when it is installed (an optional peer); `false` turns spans off.
   */
  tracer?: TracerLike | false;
  /** Observability hooks (the gateway turns them into metrics and spans). */
  hooks?: HttpHooks;
  /** A name for this upstream in events, logs and metrics (default: the base URL's host). */
  upstream?: string;
}

/** Dynamic credentials: headers read before every attempt, refreshed on `reauthenticate`. */
export interface HttpAuth {
  /** Headers carrying the current credentials (e.g. `{ authorization: 'Bearer …' }`). */
  headers(): Record<string, string> | Promise<Record<string, string>>;
  /** Refreshes the credentials when the classifier answers `reauthenticate` (a 401 by default); the request is then replayed once. */
  reauthenticate?(): Promise<void>;
}

/** One request. `path` is resolved against `baseUrl`; an absolute URL is used as is. */
export interface HttpRequest {
  method: HttpMethod;
  path: string;
  /** Route template for metrics/logs (e.g. `/sobjects/:type/:id`); defaults to the path without its query. */
  route?: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Serialised as JSON (content-type application/json). */
  json?: unknown;
  /** Serialised as `application/x-www-form-urlencoded`. */
  form?: Record<string, string | number | boolean | undefined>;
  /** Raw body (string or bytes) sent as is; set the content-type header yourself. */
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Override the client's timeouts for this request. */
  timeouts?: HttpTimeouts;
  /**
   * Marks a non-idempotent request (POST, PATCH) as safe to replay: an upsert by external id, or a
   * request carrying an idempotency key. GET, HEAD, PUT and DELETE are idempotent already;
   * `false` opts any request out of replays.
   */
  idempotent?: boolean;
  /** How to read the body: parsed JSON when the content type says so (default), text, or bytes. */
  responseType?: 'auto' | 'json' | 'text' | 'bytes';
}

/** A 2xx response. */
export interface HttpResponse<T = unknown> {
  status: number;
  headers: ResponseHeaders;
  /** Parsed JSON, text or bytes according to `responseType`. */
  body: T;
  /** Attempts it took (1 when no retry happened). */
  attempts: number;
  durationMs: number;
}

/**
 * A request whose answer is read as a stream ({@link HttpRequester.stream}). `timeouts.bodyMs` is an idle timeout:
 * the longest wait for the next chunk, never a limit on the whole body.
 */
export interface HttpStreamRequest extends Omit<HttpRequest, 'responseType'> {
  /**
   * Aborts the request only until its response headers arrived: an enclosing policy's attempt signal, whose timeout
   * bounds opening the stream, not reading it. `signal` (the caller's) aborts at any point, the body included.
   */
  headersSignal?: AbortSignal;
}

/** A 2xx response whose body is read as it arrives. */
export interface HttpStreamResponse {
  status: number;
  headers: ResponseHeaders;
  /**
   * The body, chunk by chunk, with backpressure: while nothing reads, the socket is not read either, so memory stays
   * bounded by one chunk and the stream's buffer. Iterate it once; breaking out of the loop closes the connection.
   * Failures are the client's errors (`UPSTREAM_TIMEOUT` phase `body` for a stall, `UPSTREAM_NETWORK`, `ABORTED`).
   */
  body: AsyncIterable<Uint8Array>;
  /** Drops the rest of the body and the connection (a no-op once the body was read to its end). */
  cancel(): void;
  /** Attempts it took to get the headers (1 when no retry happened). */
  attempts: number;
}

/** Emitted when a request attempt starts. */
export interface RequestStartEvent {
  upstream: string;
  method: HttpMethod;
  host: string;
  route: string;
  attempt: number;
}

/** Emitted when a request attempt ends, with `status` (undefined on a network error or timeout). */
export interface RequestEndEvent extends RequestStartEvent {
  status: number | undefined;
  durationMs: number;
  /** Error code when it failed (`UPSTREAM_TIMEOUT`, `UPSTREAM_HTTP`, ...). */
  errorCode?: string;
}

/** Observability hooks; exceptions thrown by a hook are swallowed. */
export interface HttpHooks {
  onRequestStart?(event: RequestStartEvent): void;
  onRequestEnd?(event: RequestEndEvent): void;
}

/** What connectors need of an HTTP client; `HttpClient` implements it. */
export interface HttpRequester {
  /** Name of the upstream in events and metrics. */
  readonly upstream: string;
  /** Sends a request through the client's policy; non-2xx rejects with an `HttpError`. */
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
  /**
   * Sends a request through the client's policy and resolves once a 2xx answer's headers arrived, its body to be
   * read as a stream (an answer too large to hold); non-2xx rejects with an `HttpError`. Optional: a requester that
   * cannot stream leaves it out.
   */
  stream?(request: HttpStreamRequest): Promise<HttpStreamResponse>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
