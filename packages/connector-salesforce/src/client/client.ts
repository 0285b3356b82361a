import { createHash } from 'node:crypto';
import {
  HttpClient,
  createResiliencePolicy,
  isHttpError,
  type HttpError,
  type HttpRequester,
  type HttpResponse,
  type ResiliencePolicy,
} from '@relaykit/sdk-core';
import { SessionManager } from '../auth/session.js';
import type { StoredSession } from '../auth/token-store.js';
import { MemoryTokenStore } from '../auth/token-store.js';
import {
  SalesforceApiError,
  SalesforceAuthError,
  SalesforceLimitError,
  SalesforceMultipleMatchesError,
  gatewayLimitError,
  salesforceErrorItems,
} from '../errors/index.js';
import { ApiUsageTracker, type ApiUsage } from '../limits/index.js';
import { failureKind, rejectedBeforeProcessing, salesforceClassifier } from './classify.js';
import { bulkIngest, type BulkIngestOptions } from '../bulk/ingest.js';
import type { BulkIngestResult } from '../bulk/types.js';
import { bulkQuery, type BulkQueryOptions } from '../bulk/query.js';
import { runCollection, type CollectionOptions } from './collections.js';
import { composite, type CompositeOptions, type CompositeSubrequest, type CompositeSubresponse } from './composite.js';
import { queryPages, queryRecords, type QueryOptions, type QueryPage } from './query.js';
import type { SalesforceTransport } from './transport.js';
import type {
  CallOptions,
  SObjectRecord,
  SaveResult,
  SalesforceClientOptions,
  SalesforceRequest,
  UpsertResult,
} from './types.js';
import { sleep } from '@relaykit/sdk-core';

const DEFAULT_VERSION = '62.0';

/**
 * A Salesforce REST client on sdk-core's HttpClient and resilience policy: the four OAuth flows,
 * one refresh per session generation (across workers with a shared store and lock), an optional
 * API gateway with every returned URL rebased, typed errors, and API-usage tracking with a guard.
 * Collections, composite, SOQL and Bulk 2.0 build on {@link SalesforceClient.send}.
 *
 * @example
 * ```ts
 * const sf = new SalesforceClient({
 *   instanceUrl: 'https://acme.my.salesforce.com',
 *   auth: { flow: 'client_credentials', clientId, clientSecret },
 * });
 * const { id, created } = await sf.upsert('Contact', 'Donor_Id__c', 'D-42', { LastName: 'Okafor' });
 * ```
 */
export class SalesforceClient implements SalesforceTransport {
  /** REST API version in use, e.g. `62.0`. */
  readonly apiVersion: string;
  /** Live API usage from `Sforce-Limit-Info` on every answer. */
  readonly usage = new ApiUsageTracker();
  /** The policy every call runs under (its breaker opens when the daily allocation is spent). */
  readonly policy: ResiliencePolicy & { reset(): void };
  /** The session holder (single-flight refresh). */
  readonly sessions: SessionManager;
  /** Options the client was built with. */
  readonly options: Readonly<SalesforceClientOptions>;
  private readonly http: HttpRequester;
  /** One slot per pooled connection: a request reads its session only once it holds one. */
  private readonly dispatch: ResiliencePolicy;
  /** Longest `Retry-After` the policy waits for; a longer one ends the call. */
  private readonly maxRetryAfterMs: number;
  private readonly gatewayBase: string | undefined;
  private readonly gatewayHeaders: Record<string, string>;

  constructor(options: SalesforceClientOptions) {
    this.options = options;
    this.apiVersion = (options.apiVersion ?? DEFAULT_VERSION).replace(/^v/, '');
    const gw = options.apiGateway;
    this.gatewayBase = gw ? gw.baseUrl.replace(/\/+$/, '') : undefined;
    this.gatewayHeaders = gw
      ? { [(gw.headerName ?? 'Ocp-Apim-Subscription-Key').toLowerCase()]: gw.subscriptionKey }
      : {};
    const retry = options.resilience?.retry;
    this.maxRetryAfterMs = (retry === false ? undefined : retry?.maxRetryAfterMs) ?? 60_000;
    this.policy = createResiliencePolicy({
      retry: { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 },
      breaker: { consecutiveFailures: 8, halfOpenAfterMs: 30_000 },
      timeoutMs: 120_000,
      ...options.resilience,
      name: 'salesforce',
      classify: salesforceClassifier,
    });
    const connections = options.connections ?? 32;
    // Only a bulkhead: retries, breaker and timeout belong to `policy`, around each HTTP attempt.
    this.dispatch = createResiliencePolicy({
      name: 'salesforce-dispatch',
      retry: false,
      breaker: false,
      timeoutMs: false,
      bulkhead: { maxInFlight: connections, maxQueued: Number.POSITIVE_INFINITY },
    });
    const create = options.createHttpClient ?? ((o) => new HttpClient(o));
    this.http = create({
      upstream: 'salesforce',
      policy: this.policy,
      defaultHeaders: this.gatewayHeaders,
      connections,
      timeouts: { headersMs: 120_000, bodyMs: 120_000 },
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const loginUrl = (
      options.loginUrl ??
      (options.auth.flow === 'client_credentials' ? options.instanceUrl : undefined) ??
      'https://login.salesforce.com'
    ).replace(/\/+$/, '');
    if (options.auth.flow === 'client_credentials' && !options.loginUrl && !options.instanceUrl) {
      throw new TypeError("The client credentials flow needs the org's My Domain URL as instanceUrl or loginUrl");
    }
    const tokenBase = gw && gw.tokenViaGateway !== false ? this.gatewayBase! : loginUrl;
    const user = 'username' in options.auth ? options.auth.username : '';
    this.sessions = new SessionManager({
      auth: options.auth,
      loginUrl,
      tokenUrl: `${tokenBase}/services/oauth2/token`,
      http: this.http,
      store: options.tokenStore ?? new MemoryTokenStore(),
      key:
        options.sessionKey ??
        createHash('sha256').update(`${loginUrl}|${options.auth.clientId}|${user}`).digest('hex').slice(0, 24),
      lock: options.lock,
      headers: this.gatewayHeaders,
    });
  }

  /** Latest API usage seen, or undefined before the first answer. */
  get apiUsage(): ApiUsage | undefined {
    return this.usage.current;
  }

  /** The URL API calls go to: the gateway's base when one is set, else the session's instance URL. */
  async baseUrl(): Promise<string> {
    return this.gatewayBase ?? (await this.sessions.current()).instanceUrl;
  }

  /**
   * Rebases a URL Salesforce returned (`instance_url`, `nextRecordsUrl`, `contentUrl`,
   * `attributes.url`, a 300's record list) onto the gateway. Without a gateway it is returned as is.
   */
  rebase(url: string, instanceUrl?: string): string {
    if (!this.gatewayBase) return url;
    if (/^https?:\/\//.test(url)) {
      const u = new URL(url);
      if (instanceUrl && url.startsWith(instanceUrl)) return this.gatewayBase + url.slice(instanceUrl.length);
      return u.pathname.startsWith('/services/') ? this.gatewayBase + u.pathname + u.search : url;
    }
    return `${this.gatewayBase}${url.startsWith('/') ? '' : '/'}${url}`;
  }

  /** Rebases `attributes.url` of records in place (no-op without a gateway). */
  rebaseRecords<T extends SObjectRecord>(records: T[]): T[] {
    if (!this.gatewayBase) return records;
    for (const r of records) if (r.attributes?.url) r.attributes.url = this.rebase(r.attributes.url);
    return records;
  }

  /** Resolves a request path to an absolute URL against the gateway or the session's instance. */
  resolve(path: string, instanceUrl: string): string {
    const base = this.gatewayBase ?? instanceUrl;
    if (/^https?:\/\//.test(path))
      return this.gatewayBase && path.startsWith(instanceUrl)
        ? this.gatewayBase + path.slice(instanceUrl.length)
        : path;
    if (path.startsWith('/services/')) return base + path;
    if (path.startsWith('services/')) return `${base}/${path}`;
    return `${base}/services/data/v${this.apiVersion}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  /**
   * Sends one request with the current session. Requests wait for one of `connections` slots and
   * read the session only once they hold one, i.e. as they leave for the wire: a request that
   * queued while the session expired never carries the dead token. A 401 "Session expired or
   * invalid" refreshes the session once per generation (shared by every concurrent caller) and
   * replays; a call gives up with `session_rejected_after_refresh` only when a session the org
   * never accepted is refused after a refresh — not for the expiries it merely lived through.
   * Other 401s fail fast with {@link SalesforceAuthError}. A spent daily allocation isolates the
   * circuit (checked as each request leaves) and throws {@link SalesforceLimitError}. Salesforce
   * error arrays become {@link SalesforceApiError}.
   */
  async send<T = unknown>(request: SalesforceRequest): Promise<HttpResponse<T>> {
    const { urgent, path, ...rest } = request;
    // 401s on a session the org never accepted: the second one means refreshing does not help.
    let refusedFresh = 0;
    let replays = 0;
    for (;;) {
      const outcome = await this.dispatch.execute(
        async (): Promise<Dispatched<T>> => {
          this.checkGuard(urgent);
          const sent = await this.sessions.current();
          try {
            const res = await this.http.request<T>({
              ...rest,
              path: this.resolve(path, sent.instanceUrl),
              headers: { ...rest.headers, authorization: `Bearer ${sent.accessToken}` },
            });
            this.sessions.markAccepted(sent.generation);
            this.usage.observe(res.headers['sforce-limit-info']);
            return { res };
          } catch (error) {
            if (isHttpError(error)) {
              this.usage.observe(error.headers['sforce-limit-info']);
              if (Array.isArray(error.body) && error.status !== 401) this.sessions.markAccepted(sent.generation);
              // A spent allocation or quota opens the circuit before this slot is freed, so no request
              // still queued here leaves after the org (or its gateway) said there is nothing left.
              this.isolateWhenSpent(error);
            }
            // Start the refresh before the slot is freed, so the next request to take it waits for
            // the new session instead of reading the dead one.
            const refreshing =
              isHttpError(error) &&
              failureKind(error) === 'session_expired' &&
              sent.generation >= this.sessions.generation &&
              (this.sessions.wasAccepted(sent.generation) || refusedFresh === 0)
                ? this.sessions.refresh(sent.generation)
                : undefined;
            // Waited on below; a failed refresh must not surface as an unhandled rejection meanwhile.
            refreshing?.catch(() => undefined);
            return { error, sent, refreshing };
          }
        },
        rest.signal ? { signal: rest.signal } : {},
      );
      if ('res' in outcome) return outcome.res;
      const error = outcome.error;
      if (!isHttpError(error)) throw error;
      const kind = failureKind(error);
      switch (kind) {
        case 'session_expired': {
          const { sent: session, refreshing } = outcome;
          // Another call already replaced the session this one carried: just replay with the new one.
          if (session.generation < this.sessions.generation && !refreshing) continue;
          if (!this.sessions.wasAccepted(session.generation) && ++refusedFresh >= 2)
            throw new SalesforceAuthError(
              'Salesforce refused a freshly refreshed session',
              { reason: 'session_rejected_after_refresh', status: 401 },
              { cause: error },
            );
          await (refreshing ?? this.sessions.refresh(session.generation));
          continue;
        }
        case 'session_not_valid_for_rest':
          throw new SalesforceAuthError(
            `Salesforce refused the session for the REST API (not an expiry; refreshing would not help): ${salesforceErrorItems(error.body)?.[0]?.message ?? 'HTTP 401'}`,
            { reason: 'session_not_valid_for_rest', status: 401 },
            { cause: error },
          );
        case 'gateway_auth':
          throw new SalesforceAuthError(
            `The API gateway refused the call: ${(error.body as { message?: string }).message ?? 'HTTP 401'}`,
            { reason: 'gateway_subscription', status: 401 },
            { cause: error },
          );
        case 'total_requests': {
          const usage = this.usage.current;
          throw new SalesforceLimitError(
            'Salesforce daily API allocation is spent (REQUEST_LIMIT_EXCEEDED TotalRequests): the circuit is open; calls fail at once until it resets',
            { kind: 'total_requests', used: usage?.used, max: usage?.max },
            { cause: error },
          );
        }
        case 'multiple_matches':
          throw error;
      }
      // The policy does not replay non-idempotent calls; these failures prove nothing was written.
      const idempotent = rest.idempotent === true || !['POST', 'PATCH'].includes(rest.method);
      if (!idempotent && rejectedBeforeProcessing(kind) && replays < 3 && (error.retryAfterMs ?? 0) <= 60_000) {
        replays++;
        await sleep(error.retryAfterMs ?? 100 * 2 ** replays * (0.5 + Math.random() / 2), rest.signal);
        continue;
      }
      // The gateway's quota or rate limit outlasted the waits allowed: a limit, not an auth failure.
      if (kind === 'gateway_throttled') throw gatewayLimitError(error);
      throw toSalesforceError(error);
    }
  }

  /** Opens the circuit when Salesforce says the daily allocation is spent, or the gateway its quota. */
  private isolateWhenSpent(error: HttpError): void {
    const kind = failureKind(error);
    if (kind === 'total_requests')
      this.policy.isolate(
        'Salesforce daily API allocation (TotalRequests) is spent',
        this.options.totalRequestsCooldownMs ?? 15 * 60_000,
      );
    // A quota spent for longer than the policy waits: hold everything until it is replenished.
    else if (
      kind === 'gateway_throttled' &&
      error.status === 403 &&
      error.retryAfterMs !== undefined &&
      error.retryAfterMs > this.maxRetryAfterMs
    )
      this.policy.isolate('The API gateway quota is spent', error.retryAfterMs);
  }

  // ---- sObjects -------------------------------------------------------------------------------

  /** Creates a record (`POST /sobjects/{type}`). Not replayed on ambiguous failures: a duplicate could arise. */
  async create(sobject: string, fields: Record<string, unknown>, options: CallOptions = {}): Promise<{ id: string }> {
    const res = await this.send<{ id: string }>({
      method: 'POST',
      path: `/sobjects/${enc(sobject)}`,
      route: '/sobjects/:type',
      json: fields,
      ...callOpts(options),
    });
    return { id: res.body.id };
  }

  /** Updates a record by id (`PATCH /sobjects/{type}/{id}` → 204). */
  async update(sobject: string, id: string, fields: Record<string, unknown>, options: CallOptions = {}): Promise<void> {
    await this.send({
      method: 'PATCH',
      path: `/sobjects/${enc(sobject)}/${enc(id)}`,
      route: '/sobjects/:type/:id',
      json: withoutId(fields),
      idempotent: true,
      ...callOpts(options),
    });
  }

  /** Deletes a record by id. */
  async delete(sobject: string, id: string, options: CallOptions = {}): Promise<void> {
    await this.send({
      method: 'DELETE',
      path: `/sobjects/${enc(sobject)}/${enc(id)}`,
      route: '/sobjects/:type/:id',
      ...callOpts(options),
    });
  }

  /** Reads a record by id, optionally only `fields`. */
  async get<T extends SObjectRecord = SObjectRecord>(
    sobject: string,
    id: string,
    fields?: string[],
    options: CallOptions = {},
  ): Promise<T> {
    const res = await this.send<T>({
      method: 'GET',
      path: `/sobjects/${enc(sobject)}/${enc(id)}`,
      route: '/sobjects/:type/:id',
      query: fields?.length ? { fields: fields.join(',') } : undefined,
      ...callOpts(options),
    });
    return this.rebaseRecords([res.body])[0]!;
  }

  /**
   * Upserts by external id (`PATCH /sobjects/{type}/{field}/{value}`): 201 → created, 200/204 →
   * updated, 300 → {@link SalesforceMultipleMatchesError} listing the matches, 404 (unknown field, or
   * no match with `updateOnly`) → {@link SalesforceApiError} `NOT_FOUND`. Safe to retry.
   */
  async upsert(
    sobject: string,
    externalIdField: string,
    value: string,
    fields: Record<string, unknown>,
    options: CallOptions & { updateOnly?: boolean } = {},
  ): Promise<UpsertResult> {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields))
      if (k !== 'Id' && k !== 'attributes' && k.toLowerCase() !== externalIdField.toLowerCase()) body[k] = v;
    try {
      const res = await this.send<{ id?: string; created?: boolean } | undefined>({
        method: 'PATCH',
        path: `/sobjects/${enc(sobject)}/${enc(externalIdField)}/${enc(value)}`,
        route: '/sobjects/:type/:field/:value',
        query: options.updateOnly ? { updateOnly: true } : undefined,
        json: body,
        idempotent: true,
        ...callOpts(options),
      });
      if (res.status === 201) return { id: res.body?.id, created: true };
      return { id: res.body?.id, created: false };
    } catch (e) {
      if (isHttpError(e, 300)) {
        const urls = Array.isArray(e.body) ? e.body.map(String).map((u) => this.rebase(u)) : [];
        throw new SalesforceMultipleMatchesError(sobject, externalIdField, value, urls, { cause: e });
      }
      throw e;
    }
  }

  // ---- Collections, composite, query, Bulk 2.0 ----------------------------------------------------

  /** Creates any number of records (collections, 200 a call, in parallel). Results in input order. */
  createMany(
    sobject: string,
    records: ReadonlyArray<Record<string, unknown>>,
    options: CollectionOptions = {},
  ): Promise<SaveResult[]> {
    return runCollection(this, 'create', sobject, records, options);
  }

  /** Updates any number of records by `Id` (collections). Results in input order. */
  updateMany(
    sobject: string,
    records: ReadonlyArray<Record<string, unknown>>,
    options: CollectionOptions = {},
  ): Promise<SaveResult[]> {
    return runCollection(this, 'update', sobject, records, options);
  }

  /**
   * Upserts any number of records by external id (collections, 200 a call, bounded parallelism).
   * Rows failing with `UNABLE_TO_LOCK_ROW` are re-sent alone. Results in input order.
   */
  upsertMany(
    sobject: string,
    externalIdField: string,
    records: ReadonlyArray<Record<string, unknown>>,
    options: CollectionOptions = {},
  ): Promise<SaveResult[]> {
    return runCollection(this, 'upsert', sobject, records, { ...options, externalIdField });
  }

  /** Deletes any number of records by id (collections). Results in input order. */
  deleteMany(ids: ReadonlyArray<string>, options: CollectionOptions = {}): Promise<SaveResult[]> {
    return runCollection(this, 'delete', '', ids, options);
  }

  /** Up to 25 subrequests in one API call; later ones reference earlier answers as `@{ref.id}`. */
  composite(
    subrequests: ReadonlyArray<CompositeSubrequest>,
    options: CompositeOptions = {},
  ): Promise<CompositeSubresponse[]> {
    return composite(this, subrequests, options);
  }

  /** Every record of a SOQL query as an async iterator, following `nextRecordsUrl`. */
  query<T extends SObjectRecord = SObjectRecord>(soql: string, options: QueryOptions = {}): AsyncGenerator<T> {
    return queryRecords<T>(this, soql, options);
  }

  /** Like {@link query} with deleted and archived rows (`/queryAll`). */
  queryAll<T extends SObjectRecord = SObjectRecord>(soql: string, options: QueryOptions = {}): AsyncGenerator<T> {
    return queryRecords<T>(this, soql, { ...options, includeDeleted: true });
  }

  /** The pages of a SOQL query. */
  queryPages<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options: QueryOptions = {},
  ): AsyncGenerator<QueryPage<T>> {
    return queryPages<T>(this, soql, options);
  }

  /** Bulk API 2.0 ingest with results matched back to the input rows. */
  bulkIngest(options: BulkIngestOptions): Promise<BulkIngestResult> {
    return bulkIngest(this, options);
  }

  /** Bulk API 2.0 query, rows as an async iterator over `Sforce-Locator` pages. */
  bulkQuery(soql: string, options: BulkQueryOptions = {}): AsyncGenerator<Record<string, string>> {
    return bulkQuery(this, soql, options);
  }

  /** `GET /limits`; also updates {@link usage} from `DailyApiRequests`. */
  async limits(options: CallOptions = {}): Promise<Record<string, { Max: number; Remaining: number }>> {
    const res = await this.send<Record<string, { Max: number; Remaining: number }>>({
      method: 'GET',
      path: '/limits',
      ...callOpts({ urgent: true, ...options }),
    });
    const daily = res.body.DailyApiRequests;
    if (daily) this.usage.set(daily.Max - daily.Remaining, daily.Max);
    return res.body;
  }

  /** Closes pooled connections. A token store or lock you passed in is yours to close. */
  async close(): Promise<void> {
    await this.http.close();
  }

  private checkGuard(urgent: boolean | undefined): void {
    const share = this.options.limitGuardShare;
    if (urgent || share === undefined) return;
    const usage = this.usage.current;
    if (usage && usage.share >= share) {
      throw new SalesforceLimitError(
        `Non-urgent Salesforce call refused: ${usage.used}/${usage.max} daily API requests used (guard at ${Math.round(share * 100)}%)`,
        { kind: 'guard', used: usage.used, max: usage.max },
      );
    }
  }
}

/** What one dispatched attempt of {@link SalesforceClient.send} came back with. */
type Dispatched<T> =
  | { res: HttpResponse<T> }
  | { error: unknown; sent: StoredSession; refreshing: Promise<StoredSession> | undefined };

/** Turns a Salesforce error array into {@link SalesforceApiError}; other errors pass unchanged. */
export function toSalesforceError(error: unknown): unknown {
  if (!isHttpError(error)) return error;
  const items = salesforceErrorItems(error.body);
  return items ? new SalesforceApiError(error.status, items, { cause: error }) : error;
}

function callOpts(options: CallOptions): { signal?: AbortSignal; urgent?: boolean } {
  return { ...(options.signal ? { signal: options.signal } : {}), ...(options.urgent ? { urgent: true } : {}) };
}

function enc(part: string): string {
  return encodeURIComponent(part);
}

function withoutId(fields: Record<string, unknown>): Record<string, unknown> {
  const { Id: _id, attributes: _a, ...rest } = fields;
  return rest;
}
