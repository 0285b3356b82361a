import { Pool, type Dispatcher } from 'undici';
import { AbortedError, isRelaykitError } from '../errors/index.js';
import { HttpError, UpstreamNetworkError, UpstreamTimeoutError, isUpstreamTimeoutError } from '../errors/http.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import type { RedactOptions } from '../logging/redact.js';
import { redactUrl } from '../logging/redact-url.js';
import { redactingLogger } from '../logging/redacting-logger.js';
import { NEVER_ABORTED, createResiliencePolicy, type ResiliencePolicyOptions } from '../resilience/policy.js';
import type { AttemptContext, ResiliencePolicy } from '../resilience/types.js';
import {
  SPAN_KIND_CLIENT,
  SPAN_STATUS_ERROR,
  defaultTracerNow,
  loadDefaultTracer,
  type SpanLike,
  type TracerLike,
} from './otel.js';
import { injectTraceHeaders, loadTracing } from '../tracing/index.js';
import { collect, type AbortSource, type CollectedResponse } from './collect.js';
import { parseRetryAfter } from './retry-after.js';
import type {
  HttpAuth,
  HttpClientOptions,
  HttpHooks,
  HttpMethod,
  HttpRequest,
  HttpRequester,
  HttpResponse,
  HttpStreamRequest,
  HttpStreamResponse,
  RequestEndEvent,
  ResponseHeaders,
} from './types.js';
import { NETWORK_ERROR_CODES, isTlsErrorCode } from '../errors/network-codes.js';

/** Default timeouts: connect 10 s, headers 30 s, body 30 s (undici's own are 300 s). */
export const DEFAULT_TIMEOUTS = Object.freeze({ connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 });

const IDEMPOTENT_METHODS = new Set<string>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Error bodies are read up to this size (the rest is drained so the connection stays reusable). */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;
/** Pools kept for absolute URLs on other origins before the oldest is closed. */
const MAX_POOLS = 32;
const NEVER = NEVER_ABORTED;

interface Prepared {
  method: HttpMethod;
  origin: string;
  /** Path plus query, as sent on the request line. */
  path: string;
  host: string;
  route: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  headersMs: number;
  bodyMs: number;
  responseType: NonNullable<HttpRequest['responseType']>;
  callerSignal: AbortSignal;
}

interface AttemptResult {
  status: number;
  headers: ResponseHeaders;
  body: unknown;
}

/**
 * An HTTP client for one upstream on undici: a keep-alive `Pool` per origin with a connection
 * cap, sane timeouts, JSON and form bodies, a base URL with default headers, typed responses, and
 * an optional {@link ResiliencePolicy} (retry, circuit breaker, timeout, bulkhead) around every
 * request. Non-2xx answers reject with {@link HttpError}; timeouts with `UPSTREAM_TIMEOUT`;
 * refused or reset connections with `UPSTREAM_NETWORK`. Every log line it writes is redacted.
 *
 * @example
 * ```ts
 * const http = new HttpClient({
 *   baseUrl: 'https://api.example.com/v1/',
 *   defaultHeaders: { 'ocp-apim-subscription-key': key },
 *   policy: { retry: { maxAttempts: 4 }, breaker: { consecutiveFailures: 5 } },
 * });
 * const { body } = await http.request<{ id: string }>({ method: 'POST', path: 'contacts', json: contact, idempotent: true });
 * ```
 */
export class HttpClient implements HttpRequester {
  /** Name of the upstream in events, logs and errors. */
  public readonly upstream: string;
  /** The policy every request runs under (undefined: none). */
  public readonly policy: ResiliencePolicy | undefined;
  private readonly baseOrigin: string | undefined;
  private readonly baseHref: string | undefined;
  private readonly defaultHeaders: Record<string, string>;
  private readonly hasDefaultContentType: boolean;
  private readonly connections: number;
  private readonly keepAliveTimeoutMs: number;
  private readonly timeouts: { connectMs: number; headersMs: number; bodyMs: number };
  private readonly injected: Dispatcher | undefined;
  private readonly pools = new Map<string, Pool>();
  private readonly logger: Logger;
  private readonly logs: boolean;
  private readonly hooks: HttpHooks | undefined;
  private readonly auth: HttpAuth | undefined;
  private readonly tracerOption: TracerLike | false | undefined;
  private readonly redactOptions: RedactOptions | undefined;
  private closed = false;

  constructor(options: HttpClientOptions = {}) {
    if (options.baseUrl !== undefined) {
      const base = new URL(options.baseUrl);
      if (base.protocol !== 'http:' && base.protocol !== 'https:')
        throw new TypeError(`baseUrl must be http(s), got ${base.protocol}`);
      // A base without a trailing slash still means "under this path": /v1 + contacts → /v1/contacts.
      if (!base.pathname.endsWith('/')) base.pathname += '/';
      base.search = '';
      base.hash = '';
      this.baseOrigin = base.origin;
      this.baseHref = base.href;
    }
    this.upstream = options.upstream ?? (this.baseHref ? new URL(this.baseHref).host : 'http');
    this.defaultHeaders = {
      accept: 'application/json, text/plain;q=0.9, */*;q=0.8',
      ...lowerCaseKeys(options.defaultHeaders),
    };
    this.hasDefaultContentType = 'content-type' in this.defaultHeaders;
    this.connections = options.connections ?? 16;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 4_000;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(options.timeouts) };
    this.injected = options.dispatcher;
    this.redactOptions = options.redact;
    this.logger = redactingLogger(options.logger ?? silentLogger, options.redact);
    this.logs = this.logger !== silentLogger;
    this.hooks =
      options.hooks && (options.hooks.onRequestStart || options.hooks.onRequestEnd) ? options.hooks : undefined;
    this.auth = options.auth;
    this.tracerOption = options.tracer;
    if (options.tracer === undefined) {
      void loadDefaultTracer();
      void loadTracing();
    }
    const policy = options.policy;
    if (policy === undefined || isPolicy(policy)) {
      this.policy = policy;
    } else {
      // A policy built here also logs each retry decision (redacted, like every line).
      const onRetry = policy.onRetry;
      const logger = this.logger;
      const upstream = this.upstream;
      this.policy = createResiliencePolicy({
        name: upstream,
        ...policy,
        onRetry: (event) => {
          if (this.logs)
            logger.info(
              {
                upstream,
                attempt: event.attempt,
                delayMs: Math.round(event.delayMs),
                decision: event.decision,
                errorCode: isRelaykitError(event.error) ? event.error.code : undefined,
              },
              'retrying upstream request',
            );
          onRetry?.(event);
        },
      });
    }
  }

  /**
   * Sends `request` under the client's policy. Resolves with the 2xx response; rejects with
   * {@link HttpError} (non-2xx), `UPSTREAM_TIMEOUT`, `UPSTREAM_NETWORK`, `CIRCUIT_OPEN`,
   * `BULKHEAD_REJECTED` or `ABORTED`. POST and PATCH are only retried when `idempotent: true`.
   */
  async request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>> {
    if (this.closed) throw new TypeError('HttpClient is closed');
    const prepared = this.prepare(request);
    const started = performance.now();
    const signal = prepared.callerSignal;
    if (signal.aborted) {
      if (isUpstreamTimeoutError(signal.reason))
        throw this.policyTimeout(
          `${prepared.method} ${redactUrl(prepared.origin + prepared.route, this.redactOptions)}`,
          signal.reason,
        );
      throw new AbortedError(
        `${prepared.method} ${redactUrl(prepared.route, this.redactOptions)} was aborted before it started`,
        {
          cause: signal.reason,
        },
      );
    }
    let attempts = 1;
    let result: AttemptResult;
    if (this.policy) {
      // An explicit `idempotent` wins both ways (a GET with side effects can opt out of replays).
      const idempotent = request.idempotent ?? IDEMPOTENT_METHODS.has(prepared.method);
      result = await this.policy.execute(
        (a) => {
          attempts = a.attempt;
          return this.attempt(prepared, a.attempt, a);
        },
        this.auth?.reauthenticate
          ? { signal, idempotent, reauthenticate: () => this.auth!.reauthenticate!() }
          : { signal, idempotent },
      );
    } else {
      result = await this.attempt(prepared, 1, undefined);
    }
    return {
      status: result.status,
      headers: result.headers,
      body: result.body as T,
      attempts,
      durationMs: performance.now() - started,
    };
  }

  /**
   * Sends `request` under the client's policy and resolves once a 2xx answer's headers arrived; the body is then read
   * as a stream with backpressure (memory bounded however large the answer). The policy (retries, breaker, its
   * timeout) covers getting the headers; after that, `timeouts.bodyMs` bounds each wait for the next chunk and
   * `request.signal` still aborts. Non-2xx rejects with {@link HttpError} (its body read up to 1 MiB). Hooks, logs
   * and the trace span see the request end when its body ends.
   *
   * @example
   * ```ts
   * const answer = await http.stream({ method: 'POST', path: 'GetAllData', body, signal });
   * for await (const chunk of answer.body) parser.write(chunk);
   * ```
   */
  async stream(request: HttpStreamRequest): Promise<HttpStreamResponse> {
    if (this.closed) throw new TypeError('HttpClient is closed');
    const prepared = this.prepare({ ...request, responseType: 'bytes' });
    const headersSignal = request.headersSignal;
    const what = `${prepared.method} ${redactUrl(prepared.origin + prepared.route, this.redactOptions)}`;
    if (prepared.callerSignal.aborted)
      throw new AbortedError(`${what} was aborted before it started`, { cause: prepared.callerSignal.reason });
    if (headersSignal?.aborted) throw this.headersAbort(what, headersSignal.reason, undefined);
    let attempts = 1;
    if (!this.policy) return { ...(await this.openStream(prepared, 1, undefined, headersSignal)), attempts };
    const idempotent = request.idempotent ?? IDEMPOTENT_METHODS.has(prepared.method);
    const signal = prepared.callerSignal;
    const opened = await this.policy.execute(
      (a) => {
        attempts = a.attempt;
        return this.openStream(prepared, a.attempt, a, headersSignal);
      },
      this.auth?.reauthenticate
        ? { signal, idempotent, reauthenticate: () => this.auth!.reauthenticate!() }
        : { signal, idempotent },
    );
    return { ...opened, attempts };
  }

  /** Closes every pooled connection. Requests after `close` are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private prepare(request: HttpRequest): Prepared {
    const method = request.method.toUpperCase() as HttpMethod;
    let origin: string;
    let path: string;
    let host: string;
    const raw = request.path;
    if (raw.startsWith('http://') || raw.startsWith('https://')) {
      // An absolute URL (a `nextRecordsUrl`, a signed download link) goes to its own origin's pool.
      const url = new URL(raw);
      origin = url.origin;
      path = url.pathname + url.search;
      host = url.host;
    } else if (this.baseHref === undefined) {
      throw new TypeError(`HttpClient has no baseUrl, so path must be an absolute URL (got ${redactUrl(raw)})`);
    } else if (raw.startsWith('/') && !raw.startsWith('//')) {
      origin = this.baseOrigin!;
      path = raw;
      host = origin.slice(origin.indexOf('//') + 2);
    } else {
      const url = new URL(raw, this.baseHref);
      origin = url.origin;
      path = url.pathname + url.search;
      host = url.host;
    }
    if (request.query) path = appendQuery(path, request.query);

    let headers = this.defaultHeaders;
    let body: string | Uint8Array | undefined;
    let contentType: string | undefined;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      contentType = 'application/json';
    } else if (request.form !== undefined) {
      body = encodeForm(request.form);
      contentType = 'application/x-www-form-urlencoded';
    } else if (request.body !== undefined) {
      body = request.body;
    }
    if (request.headers || (contentType && !this.hasDefaultContentType)) {
      headers = { ...this.defaultHeaders };
      if (contentType) headers['content-type'] = contentType;
      if (request.headers) for (const key in request.headers) headers[key.toLowerCase()] = request.headers[key]!;
    } else if (contentType) {
      headers = { ...this.defaultHeaders, 'content-type': contentType };
    }
    let route = request.route;
    if (route === undefined) {
      const q = path.indexOf('?');
      route = q === -1 ? path : path.slice(0, q);
    }
    return {
      method,
      origin,
      path,
      host,
      route,
      headers,
      body,
      headersMs: request.timeouts?.headersMs ?? this.timeouts.headersMs,
      bodyMs: request.timeouts?.bodyMs ?? this.timeouts.bodyMs,
      responseType: request.responseType ?? 'auto',
      callerSignal: request.signal ?? NEVER,
    };
  }

  private dispatcherFor(origin: string): Dispatcher {
    if (this.injected) return this.injected;
    let pool = this.pools.get(origin);
    if (!pool) {
      if (this.pools.size >= MAX_POOLS) {
        // Absolute URLs on many hosts must not pile up pools: close the oldest (it finishes its in-flight requests).
        const [oldestOrigin, oldest] = this.pools.entries().next().value as [string, Pool];
        this.pools.delete(oldestOrigin);
        void oldest.close().catch(() => undefined);
      }
      pool = new Pool(origin, {
        connections: this.connections,
        keepAliveTimeout: this.keepAliveTimeoutMs,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
        connect: { timeout: this.timeouts.connectMs },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Starts an attempt: tells the `onRequestStart` hook (which never breaks a request) and opens its span. */
  private beginAttempt(p: Prepared, attempt: number): { started: number; span: ReturnType<HttpClient['startSpan']> } {
    const started = performance.now();
    if (this.hooks?.onRequestStart) {
      try {
        this.hooks.onRequestStart({ upstream: this.upstream, method: p.method, host: p.host, route: p.route, attempt });
      } catch {
        /* hooks never break requests */
      }
    }
    return { started, span: this.startSpan(p, attempt) };
  }

  /** One attempt: send, read the whole body (so the connection is reused), map failures to relaykit errors. */
  /** The headers one attempt sends: the request's, the auth's (read now, per attempt) and the trace's. */
  private async attemptHeaders(p: Prepared, span: SpanLike | undefined): Promise<Record<string, string>> {
    let headers = p.headers;
    if (this.auth) headers = { ...headers, ...lowerCaseKeys(await this.auth.headers()) };
    // The upstream continues this call's trace (W3C traceparent) when a span is recording; else nothing is added.
    if (span?.isRecording()) headers = injectTraceHeaders(headers, span);
    return headers;
  }

  private async attempt(p: Prepared, attempt: number, ctx: AttemptContext | undefined): Promise<AttemptResult> {
    const { started, span } = this.beginAttempt(p, attempt);
    let status: number | undefined;
    try {
      const headers = await this.attemptHeaders(p, span);
      const response = await collect(
        this.dispatcherFor(p.origin),
        {
          origin: p.origin,
          path: p.path,
          method: p.method,
          headers,
          body: p.body ?? null,
          headersTimeout: p.headersMs,
          bodyTimeout: p.bodyMs,
        },
        abortSourceFor(ctx, p.callerSignal),
        MAX_ERROR_BODY_BYTES,
      );
      status = response.status;
      if (status >= 200 && status < 300) {
        const body = decodeBody(response, p);
        this.finish(p, attempt, started, status, undefined, span);
        return { status, headers: response.headers, body };
      }
      // Error bodies are kept (up to 1 MiB): the text of an HTML error page is the best clue there is.
      const text = utf8(response.body);
      const error = new HttpError({
        status,
        headers: response.headers,
        body: parseErrorBody(text, response.headers['content-type']),
        method: p.method,
        url: redactUrl(p.origin + p.path, this.redactOptions),
        upstream: this.upstream,
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
      });
      throw error;
    } catch (caught) {
      const error = this.toRelaykitError(caught, p, ctx);
      this.finish(p, attempt, started, status, error, span);
      throw error;
    }
  }

  /** One attempt of {@link stream}: resolves at the headers of a 2xx answer, with the body still to read. */
  private async openStream(
    p: Prepared,
    attempt: number,
    ctx: AttemptContext | undefined,
    headersSignal: AbortSignal | undefined,
  ): Promise<Omit<HttpStreamResponse, 'attempts'>> {
    const { started, span } = this.beginAttempt(p, attempt);
    const what = `${p.method} ${redactUrl(p.origin + p.route, this.redactOptions)}`;
    // One controller aborts the exchange: the caller's signal at any time; the attempt and `headersSignal` (an
    // enclosing policy's attempt) only until the headers arrived.
    const controller = new AbortController();
    const caller = p.callerSignal === NEVER ? undefined : p.callerSignal;
    const onCaller = () => controller.abort(caller!.reason);
    const onOpening = () => {
      if (controller.signal.aborted) return;
      controller.abort(ctx && (ctx.aborted ?? ctx.signal.aborted) ? ctx.signal.reason : headersSignal?.reason);
    };
    const attemptSource = abortSourceFor(ctx, NEVER);
    caller?.addEventListener('abort', onCaller, { once: true });
    headersSignal?.addEventListener('abort', onOpening, { once: true });
    listen(attemptSource, onOpening);
    const stopOpening = () => {
      headersSignal?.removeEventListener('abort', onOpening);
      unlisten(attemptSource, onOpening);
    };
    let status: number | undefined;
    let ended = false;
    const end = (error: unknown) => {
      if (ended) return;
      ended = true;
      stopOpening();
      caller?.removeEventListener('abort', onCaller);
      this.finish(p, attempt, started, status, error, span);
    };
    const translate = (error: unknown): unknown => {
      if (caller?.aborted) {
        const reason: unknown = caller.reason;
        if (isUpstreamTimeoutError(reason)) return this.policyTimeout(what, reason, error);
        return isRelaykitError(error) && error !== reason
          ? error
          : new AbortedError(`${what} was aborted`, { cause: reason });
      }
      if (status === undefined && controller.signal.aborted)
        return this.headersAbort(what, controller.signal.reason, error);
      return this.toRelaykitError(error, p, undefined);
    };
    let response: Dispatcher.ResponseData;
    try {
      const headers = await this.attemptHeaders(p, span);
      response = await this.dispatcherFor(p.origin).request({
        origin: p.origin,
        path: p.path,
        method: p.method,
        headers,
        body: p.body ?? null,
        headersTimeout: p.headersMs,
        bodyTimeout: p.bodyMs,
        signal: controller.signal,
      });
    } catch (caught) {
      const error = translate(caught);
      end(error);
      throw error;
    }
    status = response.statusCode;
    stopOpening();
    const body = response.body;
    const responseHeaders = response.headers as ResponseHeaders;
    if (status < 200 || status >= 300) {
      let text = '';
      try {
        text = utf8(await readAtMost(body, MAX_ERROR_BODY_BYTES));
      } catch {
        /* the status says enough */
      }
      const error = new HttpError({
        status,
        headers: responseHeaders,
        body: parseErrorBody(text, responseHeaders['content-type']),
        method: p.method,
        url: redactUrl(p.origin + p.path, this.redactOptions),
        upstream: this.upstream,
        retryAfterMs: parseRetryAfter(responseHeaders['retry-after']),
      });
      end(error);
      throw error;
    }
    const cancel = () => {
      if (!body.readableEnded && !body.destroyed) body.destroy();
      end(undefined);
    };
    async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
      let failure: unknown;
      try {
        for await (const chunk of body) yield chunk as Uint8Array;
      } catch (caught) {
        failure = translate(caught);
        throw failure;
      } finally {
        // Ended early (the reader broke out) or failed: the connection cannot be reused.
        if (!body.readableEnded && !body.destroyed) body.destroy();
        end(failure);
      }
    }
    return { status, headers: responseHeaders, body: chunks(), cancel };
  }

  /** The error for a request cut before its headers by its attempt (a policy's timeout) or `headersSignal`. */
  private headersAbort(what: string, reason: unknown, cause: unknown): unknown {
    if (isUpstreamTimeoutError(reason)) return this.policyTimeout(what, reason, cause ?? reason);
    return new AbortedError(`${what} was aborted`, { cause: reason });
  }

  private finish(
    p: Prepared,
    attempt: number,
    started: number,
    status: number | undefined,
    error: unknown,
    span: SpanLike | undefined,
  ): void {
    const errorCode = error === undefined ? undefined : isRelaykitError(error) ? error.code : 'INTERNAL';
    if (span) {
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      if (errorCode !== undefined) {
        span.setAttribute('error.type', errorCode);
        span.setStatus({ code: SPAN_STATUS_ERROR, message: errorCode });
      }
      span.end();
    }
    const hooks = this.hooks;
    const logs = this.logs;
    if (!hooks?.onRequestEnd && !logs) return;
    const event: RequestEndEvent = {
      upstream: this.upstream,
      method: p.method,
      host: p.host,
      route: p.route,
      attempt,
      status,
      durationMs: performance.now() - started,
      ...(errorCode !== undefined ? { errorCode } : {}),
    };
    if (hooks?.onRequestEnd) {
      try {
        hooks.onRequestEnd(event);
      } catch {
        /* hooks never break requests */
      }
    }
    if (logs) {
      // Query values and personal data in the path never reach a log line, at any level.
      const logged = {
        ...event,
        route: redactUrl(p.route, this.redactOptions),
        url: redactUrl(p.origin + p.path, this.redactOptions),
      };
      if (error === undefined) this.logger.debug(logged, 'upstream request');
      else this.logger.warn({ ...logged, err: error }, 'upstream request failed');
    }
  }

  private startSpan(p: Prepared, attempt: number): SpanLike | undefined {
    const tracer = this.tracerOption === undefined ? defaultTracerNow() : this.tracerOption;
    if (!tracer) return undefined;
    const span = tracer.startSpan(`${p.method} ${p.route}`, { kind: SPAN_KIND_CLIENT });
    // A no-op tracer (API installed, no SDK registered) gives non-recording spans: skip the attributes.
    if (!span.isRecording()) return span;
    const colon = p.host.lastIndexOf(':');
    span.setAttribute('http.request.method', p.method);
    span.setAttribute('server.address', colon > 0 && !p.host.endsWith(']') ? p.host.slice(0, colon) : p.host);
    if (colon > 0) span.setAttribute('server.port', Number(p.host.slice(colon + 1)));
    span.setAttribute('url.full', redactUrl(p.origin + p.path, this.redactOptions));
    span.setAttribute('url.template', p.route);
    span.setAttribute('relaykit.upstream', this.upstream);
    if (attempt > 1) span.setAttribute('http.request.resend_count', attempt - 1);
    return span;
  }

  private toRelaykitError(error: unknown, p: Prepared, ctx: AttemptContext | undefined): unknown {
    const what = `${p.method} ${redactUrl(p.origin + p.route, this.redactOptions)}`;
    if (p.callerSignal.aborted) {
      const reason: unknown = p.callerSignal.reason;
      // The caller's signal may be an enclosing policy's attempt signal, cut by that policy's timeout
      // (its reason says so): a timeout, retryable — not the caller giving up.
      if (isUpstreamTimeoutError(reason)) return this.policyTimeout(what, reason, error);
      if (!isRelaykitError(error) || error === reason) return new AbortedError(`${what} was aborted`, { cause: error });
      return error;
    }
    if (ctx && (ctx.aborted ?? ctx.signal.aborted)) {
      // Our policy's cooperative timeout aborted the attempt (its reason is the policy's timeout error).
      if (!isRelaykitError(error) || isUpstreamTimeoutError(error))
        return this.policyTimeout(what, isUpstreamTimeoutError(error) ? error : undefined, error);
    }
    if (isRelaykitError(error)) return error;
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    const causeCode =
      typeof error === 'object' && error !== null ? (error as { cause?: { code?: unknown } }).cause?.code : undefined;
    if (code === 'UND_ERR_HEADERS_TIMEOUT')
      return new UpstreamTimeoutError(
        `${what}: no response headers within ${p.headersMs} ms`,
        { phase: 'headers', timeoutMs: p.headersMs, upstream: this.upstream },
        { cause: error },
      );
    if (code === 'UND_ERR_BODY_TIMEOUT')
      return new UpstreamTimeoutError(
        `${what}: response body stalled for ${p.bodyMs} ms`,
        { phase: 'body', timeoutMs: p.bodyMs, upstream: this.upstream },
        { cause: error },
      );
    if (code === 'UND_ERR_CONNECT_TIMEOUT')
      return new UpstreamTimeoutError(
        `${what}: could not connect within ${this.timeouts.connectMs} ms`,
        { phase: 'connect', timeoutMs: this.timeouts.connectMs, upstream: this.upstream },
        { cause: error },
      );
    const errno =
      typeof causeCode === 'string' && NETWORK_ERROR_CODES.has(causeCode)
        ? causeCode
        : typeof code === 'string'
          ? code
          : undefined;
    if (errno !== undefined && (NETWORK_ERROR_CODES.has(errno) || isTlsErrorCode(errno))) {
      return new UpstreamNetworkError(
        `${what}: connection failed (${errno})`,
        { errno, upstream: this.upstream },
        { cause: error },
      );
    }
    return error;
  }

  /** A policy's per-attempt timeout (ours or an enclosing one's), named after this request. */
  private policyTimeout(
    what: string,
    timeout: UpstreamTimeoutError | undefined,
    cause: unknown = timeout,
  ): UpstreamTimeoutError {
    const timeoutMs = timeout?.timeoutMs ?? (this.policy as { timeoutMs?: number } | undefined)?.timeoutMs;
    return new UpstreamTimeoutError(
      `${what} timed out${timeoutMs === undefined ? '' : ` after ${timeoutMs} ms`} (policy timeout)`,
      { phase: 'policy', upstream: this.upstream, timeoutMs },
      { cause },
    );
  }
}

/**
 * What aborts an attempt: a policy's attempt context doubles as a cheap EventEmitter-style abort
 * source; a plain signal is used as is; a signal that can never abort is not listened to at all.
 */
function abortSourceFor(ctx: AttemptContext | undefined, callerSignal: AbortSignal): AbortSource | undefined {
  if (ctx === undefined) return callerSignal === NEVER ? undefined : callerSignal;
  if (typeof ctx.on === 'function') return ctx as unknown as AbortSource;
  return ctx.signal === NEVER ? undefined : ctx.signal;
}

function listen(source: AbortSource | undefined, listener: () => void): void {
  if (!source) return;
  if ('addEventListener' in source) source.addEventListener('abort', listener, { once: true });
  else source.on('abort', listener);
}

function unlisten(source: AbortSource | undefined, listener: () => void): void {
  if (!source) return;
  if ('removeEventListener' in source) source.removeEventListener('abort', listener);
  else source.removeListener('abort', listener);
}

/** Reads a body up to `limit` bytes; past that it is dropped with the connection. */
async function readAtMost(body: Dispatcher.ResponseData['body'], limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    if (size + bytes.length > limit) {
      chunks.push(bytes.subarray(0, limit - size));
      body.destroy();
      break;
    }
    chunks.push(bytes);
    size += bytes.length;
  }
  return Buffer.concat(chunks);
}

function utf8(body: Buffer): string {
  const text = body.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Decodes a 2xx body according to `responseType` (JSON by content type when `auto`). */
function decodeBody(response: CollectedResponse, p: Prepared): unknown {
  const body = response.body;
  if (body.length === 0)
    return p.responseType === 'bytes' ? new Uint8Array(0) : p.responseType === 'text' ? '' : undefined;
  switch (p.responseType) {
    case 'bytes':
      // A copy: small Buffers are views into a shared pool that must not be kept alive.
      return new Uint8Array(body);
    case 'text':
      return utf8(body);
    case 'json':
      return JSON.parse(utf8(body));
    default: {
      const type = response.headers['content-type'];
      const text = utf8(body);
      return typeof type === 'string' && isJsonType(type) ? JSON.parse(text) : text;
    }
  }
}

function isJsonType(type: string): boolean {
  // application/json, application/problem+json, application/vnd.api+json, ...
  return type.includes('json');
}

/** Parsed JSON when the error body is JSON (by type or by look), else the raw text; undefined when empty. */
function parseErrorBody(text: string, type: string | string[] | undefined): unknown {
  if (text === '') return undefined;
  const looksJson = (typeof type === 'string' && isJsonType(type)) || /^\s*[[{]/.test(text);
  if (looksJson) {
    try {
      return JSON.parse(text);
    } catch {
      /* not JSON after all: keep the text */
    }
  }
  return text;
}

function appendQuery(path: string, query: NonNullable<HttpRequest['query']>): string {
  let out = path;
  let sep = path.includes('?') ? '&' : '?';
  for (const key in query) {
    const value = query[key];
    if (value === undefined) continue;
    out += `${sep}${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
    sep = '&';
  }
  return out;
}

function encodeForm(form: NonNullable<HttpRequest['form']>): string {
  const params = new URLSearchParams();
  for (const key in form) {
    const value = form[key];
    if (value !== undefined) params.append(key, String(value));
  }
  return params.toString();
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers) for (const key in headers) out[key.toLowerCase()] = headers[key]!;
  return out;
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (value) for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

function isPolicy(value: ResiliencePolicy | ResiliencePolicyOptions): value is ResiliencePolicy {
  return typeof (value as ResiliencePolicy).execute === 'function';
}
