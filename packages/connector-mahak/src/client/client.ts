import { createHash } from 'node:crypto';
import {
  HttpClient,
  createResiliencePolicy,
  silentLogger,
  type ErrorClassifier,
  type HttpRequester,
  type Logger,
  type ResiliencePolicy,
} from '@relaykit/sdk-core';
import { ENTITIES, ENTITY_NAMES, keysOf, type EntityName } from '../entities/catalogue.js';
import { toInt64 } from '../entities/scalars.js';
import { MahakApiError, MahakProtocolError, isMahakApiError, isMahakProtocolError } from '../errors/index.js';
import { parseLosslessJson, parseLosslessJsonWithSpans, stringifyLosslessJson } from '../json/lossless.js';
import { rememberSourceText } from '../json/source-text.js';
import { isAmbiguousWriteFailure } from './ambiguous.js';
import { createMahakClassifier } from './classify.js';
import { JsonRecordSplitter } from '../json/stream.js';
import type { GetAllDataRequest, MahakClientOptions, MahakSession, SaveAllDataResult, SaveRowResult } from './types.js';

/** Default base URL of Mahak's v3 sync API. */
export const MAHAK_DEFAULT_BASE_URL = 'https://mahakacc.mahaksoft.com/api/v3/sync/';

const optionalInt64 = (v: unknown): bigint | null => {
  try {
    return v === null || v === undefined ? null : toInt64(v);
  } catch {
    return null;
  }
};

/**
 * A client of Mahak's v3 sync API: Login (token kept; on an auth failure it logs in again once and replays),
 * GetAllData and SaveAllData. Every `Result:false` envelope becomes a {@link MahakApiError}; responses are parsed
 * losslessly (int64 values never pass through a float). Requests go through an sdk-core resilience policy
 * (retries, circuit breaker, timeout) and an optional rate limiter.
 *
 * @example
 * ```ts
 * const mahak = new MahakClient({ userName: 'shop', password: process.env.MAHAK_PASSWORD!, databaseId: 42n });
 * const people = await mahak.getEntityPage('Person', 0n);
 * ```
 */
export class MahakClient {
  private readonly options: MahakClientOptions;
  private readonly http: HttpRequester;
  private readonly ownsHttp: boolean;
  private readonly policy: ResiliencePolicy;
  private readonly authCodes: Set<number>;
  private readonly logger: Logger;
  private session: MahakSession | undefined;
  private loggingIn: Promise<MahakSession> | undefined;
  private readonly paths: { login: string; get: string; save: string };
  private readonly baseUrl: string;
  private readonly streamTimeouts: { headersMs: number; idleMs: number };
  private readonly classify: ErrorClassifier;
  private readonly saveAttempts: number;
  /** Per entity, the highest RowVersion seen in an answer: every record created later has a higher one. */
  private readonly seenVersions = new Map<EntityName, bigint>();

  constructor(options: MahakClientOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.authCodes = new Set(options.authCodes ?? [401]);
    const baseUrl = options.baseUrl ?? MAHAK_DEFAULT_BASE_URL;
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.streamTimeouts = {
      headersMs: options.timeouts?.headersMs ?? 60_000,
      idleMs: options.timeouts?.bodyMs ?? 120_000,
    };
    this.ownsHttp = !options.http;
    this.http =
      options.http ??
      new HttpClient({
        baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
        upstream: 'mahak',
        timeouts: { connectMs: 10_000, headersMs: 60_000, bodyMs: 120_000, ...options.timeouts },
        logger: this.logger,
      });
    const classify = createMahakClassifier({ retryableCodes: options.retryableCodes });
    const p = options.policy;
    const own = p && !('execute' in p) ? p.classify : undefined;
    this.classify = (error, context) => own?.(error, context) ?? classify(error, context);
    this.saveAttempts = p && !('execute' in p) ? (p.retry === false ? 1 : (p.retry?.maxAttempts ?? 4)) : 4;
    this.policy =
      p && 'execute' in p
        ? p
        : createResiliencePolicy({
            name: 'mahak',
            retry: { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 60_000 },
            breaker: { consecutiveFailures: 5, halfOpenAfterMs: 15_000 },
            ...p,
            classify: p?.classify ?? classify,
          });
    const v2 = options.v2 ? 'V2' : '';
    this.paths = { login: `Login${v2}`, get: `GetAllData${v2}`, save: `SaveAllData${v2}` };
  }

  /** Whether {@link streamEntity} can read answers as streams (its HTTP requester has `stream()`). */
  get canStream(): boolean {
    return typeof this.http.stream === 'function';
  }

  /** The Mahak database this client reads and writes. */
  get databaseId(): bigint {
    return toInt64(this.options.databaseId);
  }

  /** The current session, if logged in. */
  get currentSession(): MahakSession | undefined {
    return this.session;
  }

  /** Logs in (again) and keeps the token. Concurrent callers share one login. */
  async login(signal?: AbortSignal): Promise<MahakSession> {
    this.loggingIn ??= (async () => {
      try {
        const o = this.options;
        const password =
          (o.passwordMode ?? 'md5') === 'md5' ? createHash('md5').update(o.password, 'utf8').digest('hex') : o.password;
        const data = await this.call(
          this.paths.login,
          {
            UserName: o.userName,
            Password: password,
            DatabaseId: this.databaseId,
            Language: o.language ?? 'fa',
            AppId: o.appId ?? 'relaykit',
            DeviceId: o.deviceId ?? 'relaykit',
            Description: o.description ?? 'relaykit connector',
            ...(o.packageNo ? { PackageNo: o.packageNo } : {}),
            ...(o.clientVersion ? { ClientVersion: o.clientVersion } : {}),
          },
          { signal, auth: false },
        );
        const d = (data ?? {}) as Record<string, unknown>;
        if (typeof d.UserToken !== 'string' || d.UserToken === '')
          throw new MahakProtocolError('Mahak Login answered without a UserToken');
        this.session = {
          userToken: d.UserToken,
          syncId: optionalInt64(d.SyncId),
          visitorId: optionalInt64(d.VisitorId),
          databaseId: optionalInt64(d.DatabaseId),
          userTitle: typeof d.UserTitle === 'string' ? d.UserTitle : null,
          serverTime: typeof d.ServerTime === 'string' ? d.ServerTime : null,
          raw: d,
        };
        return this.session;
      } finally {
        this.loggingIn = undefined;
      }
    })();
    return this.loggingIn;
  }

  /** Raw GetAllData: `Data.Objects` with one array per requested entity (records as received, parsed losslessly). */
  async getAllData(request: GetAllDataRequest): Promise<Partial<Record<EntityName, Array<Record<string, unknown>>>>> {
    const body: Record<string, unknown> = {};
    for (const [entity, from] of Object.entries(request.from) as Array<[EntityName, bigint]>)
      body[keysOf(entity).fromVersion] = from;
    if (request.pageSize !== undefined) body.pageSize = request.pageSize;
    if (request.orderTypes) body.orderTypes = request.orderTypes;
    const spans: string[] | undefined = request.keepSourceText ? [] : undefined;
    const data = await this.call(this.paths.get, body, { signal: request.signal, spans });
    const objects = (data as { Objects?: unknown } | null)?.Objects;
    if (typeof objects !== 'object' || objects === null)
      throw new MahakProtocolError('Mahak GetAllData answered without Data.Objects');
    const out: Partial<Record<EntityName, Array<Record<string, unknown>>>> = {};
    for (const entity of Object.keys(request.from) as EntityName[]) {
      const rows = (objects as Record<string, unknown>)[ENTITIES[entity].plural];
      if (rows !== undefined && rows !== null && !Array.isArray(rows))
        throw new MahakProtocolError(`Mahak GetAllData: Objects.${ENTITIES[entity].plural} is not an array`);
      out[entity] = (rows ?? []) as Array<Record<string, unknown>>;
      const last = out[entity].at(-1);
      if (last) this.noteVersion(entity, last.RowVersion);
    }
    if (spans) keepSourceTexts(objects as Record<string, unknown>, spans);
    return out;
  }

  /** Records of one entity with RowVersion > `fromVersion` (one page when the server pages). */
  async getEntityPage(
    entity: EntityName,
    fromVersion: bigint,
    options: { pageSize?: number; signal?: AbortSignal; keepSourceText?: boolean } = {},
  ): Promise<Array<Record<string, unknown>>> {
    const result = await this.getAllData({
      from: { [entity]: fromVersion },
      pageSize: options.pageSize,
      signal: options.signal,
      keepSourceText: options.keepSourceText,
    });
    return result[entity] ?? [];
  }

  /**
   * Streams the records of `entity` with RowVersion > `fromVersion` from one GetAllData answer of any size: the body
   * is parsed as it arrives ({@link JsonRecordSplitter}, lossless), so memory stays bounded by `batchSize` records
   * however many the answer holds — the case of a server that ignores `pageSize` and answers the whole entity.
   * Yields batches of `batchSize` records (up to one chunk more), each as soon as it is complete, then a final one
   * with `last` set: the records left, which may be none (an answer that ended right after a full batch).
   *
   * Timeouts: the headers must come within `timeouts.headersMs`, then each chunk of the body within
   * `timeouts.bodyMs` (an idle timeout: a long answer that keeps coming is never cut). Opening the answer goes
   * through the policy (retries, breaker, re-login on an HTTP 401); a `Result:false` auth envelope before any record
   * re-logs in once; a failure once records were yielded ends the stream with that error.
   */
  async *streamEntity(
    entity: EntityName,
    fromVersion: bigint,
    options: { pageSize?: number; signal?: AbortSignal; keepSourceText?: boolean; batchSize?: number } = {},
  ): AsyncGenerator<{ records: Array<Record<string, unknown>>; last: boolean }, void, undefined> {
    const { signal } = options;
    const batchSize = Math.max(1, options.batchSize ?? options.pageSize ?? 1000);
    const plural = ENTITIES[entity].plural;
    const request: Record<string, unknown> = { [keysOf(entity).fromVersion]: fromVersion };
    if (options.pageSize !== undefined) request.pageSize = options.pageSize;
    const text = stringifyLosslessJson(request);
    const path = this.paths.get;
    for (let relogin = 0; ; relogin++) {
      if (!this.session) await this.login(signal);
      const stream = this.http.stream;
      if (!stream)
        throw new TypeError('MahakClient.streamEntity needs an HTTP requester with stream() (sdk-core HttpClient)');
      // The policy covers opening the answer (its timeout through `headersSignal`); the body is bounded by the idle
      // timeout per chunk, and by the caller's signal.
      const answer = await this.policy.execute(
        async ({ signal: attemptSignal }) => {
          if (this.options.rateLimiter)
            await this.options.rateLimiter.acquire(
              this.options.rateLimitKey ?? `mahak:${String(this.options.databaseId)}`,
              1,
              { signal: attemptSignal },
            );
          return stream.call(this.http, {
            method: 'POST',
            path,
            body: text,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              accept: 'application/json',
              authorization: `Bearer ${this.session!.userToken}`,
            },
            timeouts: { headersMs: this.streamTimeouts.headersMs, bodyMs: this.streamTimeouts.idleMs },
            idempotent: true,
            ...(signal ? { signal } : {}),
            headersSignal: attemptSignal,
          });
        },
        {
          signal,
          idempotent: true,
          reauthenticate: async () => {
            await this.login(signal);
          },
        },
      );
      const batch: Array<Record<string, unknown>> = [];
      /** The last record handed over in a full batch (its RowVersion is noted once the answer ended well). */
      let handed: Record<string, unknown> | undefined;
      let yielded = false;
      const keep = options.keepSourceText === true;
      const splitter = new JsonRecordSplitter((key, json) => {
        if (key !== plural) return;
        let record: Record<string, unknown>;
        try {
          record = parseLosslessJson(json) as Record<string, unknown>;
        } catch (cause) {
          throw new MahakProtocolError(`Mahak ${path} answered with a record that is not JSON`, {
            cause,
            details: { endpoint: path, sample: json.slice(0, 200) },
          });
        }
        if (keep && typeof record === 'object' && record !== null) rememberSourceText(record, json);
        batch.push(record);
      });
      const decoder = new TextDecoder('utf-8');
      let envelopeText: string;
      try {
        for await (const chunk of answer.body) {
          try {
            splitter.write(decoder.decode(chunk, { stream: true }));
          } catch (cause) {
            if (isMahakProtocolError(cause)) throw cause;
            throw new MahakProtocolError(`Mahak ${path} answered with a body that is not JSON`, {
              cause,
              details: { endpoint: path },
            });
          }
          // A full batch is handed over at once: holding it back until the next record shows it is not the last would
          // keep up to two batches here, on top of the pages the caller buffers (a sync's memory is the sum of both).
          // No local names the batch: a suspended generator keeps its locals, so one would hold the batch after the
          // caller is done with it, until the next batch is full (a page more in memory per stream).
          if (batch.length >= batchSize) {
            handed = batch.at(-1);
            yielded = true;
            yield { records: batch.splice(0), last: false };
          }
        }
        const tail = decoder.decode();
        try {
          if (tail) splitter.write(tail);
          envelopeText = splitter.end();
        } catch (cause) {
          throw new MahakProtocolError(`Mahak ${path} answered with a body that is not JSON`, {
            cause,
            details: { endpoint: path },
          });
        }
      } finally {
        answer.cancel();
      }
      let objects: Record<string, unknown>;
      try {
        objects = this.unwrapObjects(path, envelopeText);
      } catch (error) {
        if (isMahakApiError(error) && error.authFailure && !yielded && relogin === 0) {
          await this.login(signal);
          continue;
        }
        throw error;
      }
      const rows = objects[plural];
      if (rows !== undefined && rows !== null && !Array.isArray(rows))
        throw new MahakProtocolError(`Mahak GetAllData: Objects.${plural} is not an array`);
      const end = batch.at(-1) ?? handed;
      if (end) this.noteVersion(entity, end.RowVersion);
      yield { records: batch, last: true };
      return;
    }
  }

  /** `Data.Objects` of a GetAllData envelope text, or the envelope's error. */
  private unwrapObjects(path: string, text: string): Record<string, unknown> {
    const data = this.unwrap(path, text);
    const objects = (data as { Objects?: unknown } | null)?.Objects;
    if (typeof objects !== 'object' || objects === null)
      throw new MahakProtocolError('Mahak GetAllData answered without Data.Objects');
    return objects as Record<string, unknown>;
  }

  /**
   * A RowVersion no record of `entity` created from now on can have (the highest this client has seen in an answer
   * for it), or undefined when it has seen none: where a look-up by ClientId may start reading.
   */
  knownRowVersion(entity: EntityName): bigint | undefined {
    return this.seenVersions.get(entity);
  }

  private noteVersion(entity: EntityName, value: unknown): void {
    let v: bigint;
    try {
      v = toInt64(value);
    } catch {
      return;
    }
    const known = this.seenVersions.get(entity);
    if (known === undefined || v > known) this.seenVersions.set(entity, v);
  }

  /**
   * SaveAllData. `body` holds arrays by save key (`people`, `orders`, `orderDetails`, `receipts`, ...) of rows with
   * camelCase fields; new rows must carry a non-zero `<e>ClientId`.
   *
   * Replays: that Mahak answers a known ClientId with the record it already created is our model, not a documented
   * promise. So without `reconcile` a save is never replayed after an ambiguous failure (a timeout, a reset, a 5xx
   * after sending: the server may have saved); failures that show nothing was saved (429, a refused connection) are
   * retried. With `reconcile`, every retry is preceded — after an ambiguous failure — by `reconcile`, which looks
   * up what the failed attempt saved, and `body` is then a function giving what is still to send (`undefined`:
   * nothing, the save is complete). {@link pushOrders} and {@link pushReceipts} do this by ClientId.
   */
  async saveAllData(
    body: Record<string, unknown[]> | (() => Record<string, unknown[]> | undefined),
    options: { signal?: AbortSignal; reconcile?: (signal: AbortSignal | undefined) => Promise<void> } = {},
  ): Promise<SaveAllDataResult> {
    const { signal, reconcile } = options;
    for (let attempt = 1; ; attempt++) {
      const payload = typeof body === 'function' ? body() : body;
      if (payload === undefined) return {};
      try {
        return await this.saveOnce(payload, signal);
      } catch (error) {
        if (signal?.aborted || attempt >= this.saveAttempts) throw error;
        const ambiguous = isAmbiguousWriteFailure(error);
        if (ambiguous && !reconcile) throw error;
        const decision = this.classify(error, { attempt, idempotent: true }) ?? { action: 'fatal' as const };
        if (decision.action !== 'retry' && decision.action !== 'retry_after') throw error;
        const backoff = Math.min(5_000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        const delayMs = decision.action === 'retry_after' ? Math.max(decision.delayMs, backoff) : backoff;
        if (delayMs > 60_000) throw error;
        this.logger.warn(
          { endpoint: this.paths.save, attempt, ambiguous, delayMs: Math.round(delayMs) },
          ambiguous ? 'mahak save failed after sending; checking what was saved before retrying' : 'mahak save retried',
        );
        await sleep(delayMs, signal);
        if (ambiguous) await reconcile!(signal);
      }
    }
  }

  /** One SaveAllData request, not replayed by the policy (only a re-login replays it: Mahak refused before acting). */
  private async saveOnce(body: Record<string, unknown[]>, signal: AbortSignal | undefined): Promise<SaveAllDataResult> {
    const data = await this.call(this.paths.save, body, { signal, idempotent: false });
    const objects = ((data ?? {}) as { Objects?: Record<string, unknown> }).Objects ?? {};
    const out: SaveAllDataResult = {};
    for (const entity of ENTITY_NAMES) {
      const def = ENTITIES[entity];
      if (!(def.saveKey in body)) continue;
      const block = objects[def.plural] as { Results?: unknown } | undefined;
      const results = Array.isArray(block?.Results) ? block.Results : [];
      out[entity] = results.map((r): SaveRowResult => {
        const row = (r ?? {}) as Record<string, unknown>;
        const errors = Array.isArray(row.Errors) ? row.Errors : [];
        return {
          index: Number(row.Index ?? 0),
          ok: row.Result === true,
          entityId: optionalInt64(row.EntityId) ?? 0n,
          clientId: optionalInt64(row.EntityClientId) ?? 0n,
          code: row.EntityCode === null || row.EntityCode === undefined ? null : String(row.EntityCode),
          rowVersion: optionalInt64(row.RowVersion),
          errors: errors.map((e: Record<string, unknown>) => ({
            property: String(e.Property ?? ''),
            code: Number(e.Code ?? 0),
            message: String(e.Error ?? ''),
          })),
        };
      });
      for (const r of out[entity]) if (r.ok && r.rowVersion !== null) this.noteVersion(entity, r.rowVersion);
    }
    return out;
  }

  /** Closes the HTTP client when this client created it. */
  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }

  /**
   * One call under the policy: HTTP (429/5xx/timeouts retried), then the envelope (`Result:false` → MahakApiError).
   * An auth failure re-logs in and replays once (the policy's `reauthenticate`).
   */
  private async call(
    path: string,
    body: unknown,
    options: {
      signal?: AbortSignal | undefined;
      auth?: boolean;
      spans?: string[] | undefined;
      /** False: never replayed after a failure (a re-login still replays: Mahak refused before acting). */
      idempotent?: boolean;
    },
  ): Promise<unknown> {
    const auth = options.auth ?? true;
    if (auth && !this.session) await this.login(options.signal);
    const text = stringifyLosslessJson(body);
    return this.policy.execute(
      async ({ signal }) => {
        if (this.options.rateLimiter)
          await this.options.rateLimiter.acquire(
            this.options.rateLimitKey ?? `mahak:${String(this.options.databaseId)}`,
            1,
            { signal },
          );
        const headers: Record<string, string> = {
          'content-type': 'application/json; charset=utf-8',
          accept: 'application/json',
        };
        if (auth && this.session) headers.authorization = `Bearer ${this.session.userToken}`;
        // sdk-core reports the policy's own timeout as UPSTREAM_TIMEOUT (retried) and only the caller's abort as ABORTED.
        const response = await this.http.request<string>({
          method: 'POST',
          path,
          body: text,
          headers,
          signal,
          idempotent: options.idempotent ?? true,
          responseType: 'text',
        });
        return this.unwrap(path, response.body, options.spans);
      },
      {
        signal: options.signal,
        idempotent: options.idempotent ?? true,
        ...(auth
          ? {
              reauthenticate: async () => {
                this.logger.info({ endpoint: path }, 'mahak token rejected; logging in again');
                await this.login(options.signal);
              },
            }
          : {}),
      },
    );
  }

  private unwrap(path: string, text: string, spans?: string[]): unknown {
    let envelope: unknown;
    try {
      if (spans) {
        // Records of GetAllData sit at depth 4: envelope, Data, Objects, the entity's array.
        const parsed = parseLosslessJsonWithSpans(text, 4);
        envelope = parsed.value;
        spans.length = 0;
        for (const span of parsed.spans) spans.push(span);
      } else envelope = parseLosslessJson(text);
    } catch (cause) {
      throw new MahakProtocolError(`Mahak ${path} answered with a body that is not JSON`, {
        cause,
        details: { endpoint: path, sample: text.slice(0, 200) },
      });
    }
    if (
      typeof envelope !== 'object' ||
      envelope === null ||
      typeof (envelope as { Result?: unknown }).Result !== 'boolean'
    ) {
      throw new MahakProtocolError(`Mahak ${path} answered without a {Result, Code, Message, Data} envelope`, {
        details: { endpoint: path },
      });
    }
    const e = envelope as { Result: boolean; Code?: unknown; Message?: unknown; Data?: unknown };
    if (!e.Result) {
      const code = Number(e.Code ?? -1);
      throw new MahakApiError({
        code,
        message: String(e.Message ?? ''),
        endpoint: path.replace(/V2$/, ''),
        authFailure: this.authCodes.has(code),
      });
    }
    return e.Data;
  }
}

/**
 * Pairs the records of `Data.Objects` with the texts the scan cut out, in order. Only when the counts agree — an
 * answer holding other arrays of objects at that depth keeps no texts (the sink then serialises the records).
 */
function keepSourceTexts(objects: Record<string, unknown>, spans: string[]): void {
  let total = 0;
  for (const rows of Object.values(objects)) if (Array.isArray(rows)) total += rows.length;
  if (total !== spans.length) return;
  let i = 0;
  for (const rows of Object.values(objects)) {
    if (!Array.isArray(rows)) continue;
    for (const row of rows) {
      const text = spans[i++]!;
      if (typeof row === 'object' && row !== null) rememberSourceText(row as object, text);
    }
  }
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
