import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthServer } from './auth.js';
import { BulkEngine } from './bulk.js';
import { RestApi, type RestAnswer } from './rest.js';
import { type FakeOrgLedger, OrgStore, type StoredRecord } from './store.js';
import type { FakeOrgFaults, FakeOrgOptions, RequestLogEntry, TokenRequestLogEntry } from './types.js';

/** Inspectable state of a running fake org. */
export class FakeOrgState {
  /** Every request answered, in order. */
  readonly requests: RequestLogEntry[] = [];
  /** Requests counted against the daily allocation so far (starts at `initialApiUsage`). */
  apiUsage: number;
  /** The daily allocation. */
  dailyApiLimit: number;
  /** Times every session was expired at once (by a fault or `expireSessions()`). */
  sessionExpiries = 0;
  /** Most REST calls the org was processing at once. */
  peakInFlight = 0;

  /** @internal */
  readonly store: OrgStore;
  /** @internal */
  readonly auth: AuthServer;
  /** @internal */
  readonly bulk: BulkEngine;

  /** @internal */
  constructor(store: OrgStore, auth: AuthServer, bulk: BulkEngine, initialUsage: number, limit: number) {
    this.store = store;
    this.auth = auth;
    this.bulk = bulk;
    this.apiUsage = initialUsage;
    this.dailyApiLimit = limit;
  }

  /** Live records of `object` (with `includeDeleted`, the recycle bin too). */
  records(object: string, includeDeleted = false): StoredRecord[] {
    return this.store.all(object, includeDeleted);
  }

  /** Inserts records without touching the ledger (test set-up; duplicates allowed, to provoke a 300). */
  seed(object: string, records: ReadonlyArray<Record<string, unknown>>): StoredRecord[] {
    return this.store.seed(object, records);
  }

  /** Token-endpoint requests. */
  get tokenRequests(): ReadonlyArray<TokenRequestLogEntry> {
    return this.auth.tokenRequests;
  }

  /** Successful token requests of one grant type (e.g. `refresh_token`). */
  grants(grantType: string): number {
    return this.auth.tokenRequests.filter((t) => t.ok && t.grantType === grantType).length;
  }

  /** Refresh tokens issued by rotation, newest last. */
  get issuedRefreshTokens(): ReadonlyArray<string> {
    return this.auth.issuedRefreshTokens;
  }

  /** REST requests that reached the org (excluding the token endpoint and APIM rejections). */
  get restCalls(): number {
    return this.requests.filter((r) => r.host === 'instance' && r.path.startsWith('/services/data/')).length;
  }
}

/** A running fake Salesforce org. */
export interface FakeOrg {
  /** The org's My Domain / instance URL (`instance_url` in token answers). */
  readonly url: string;
  /** A login host (`login.salesforce.com`-like): password, JWT and refresh flows, no client credentials. */
  readonly loginUrl: string;
  /** The APIM front's base URL when `apim` was configured. */
  readonly apimUrl: string | undefined;
  /** Every committed write. */
  readonly ledger: FakeOrgLedger;
  readonly state: FakeOrgState;
  /** Replaces the active faults (fields left out are cleared). */
  setFaults(faults: FakeOrgFaults): void;
  /** Expires every session issued so far: the next REST call with one gets 401 INVALID_SESSION_ID. */
  expireSessions(): void;
  /** Issues a valid access token directly, without an OAuth flow. */
  issueToken(username?: string): string;
  close(): Promise<void>;
}

const HTML_503 =
  '<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>';

/**
 * Starts a fake Salesforce org on loopback: OAuth token endpoint (four flows, refresh-token
 * rotation), sObjects, upsert, collections, composite, SOQL with paging, Bulk 2.0 ingest and query,
 * limits, an optional Azure APIM front, fault injection, and a ledger of every write.
 *
 * @example
 * ```ts
 * const org = await startFakeOrg({ refreshTokens: ['rt-1'] });
 * // point a client at org.url, then assert on org.ledger
 * await org.close();
 * ```
 */
export async function startFakeOrg(options: FakeOrgOptions = {}): Promise<FakeOrg> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const store = new OrgStore(
    options.externalIdFields ?? { Contact: ['Ext__c', 'Email'], Account: ['Ext__c'] },
    options.requiredFields ?? { Contact: ['LastName'], Account: ['Name'] },
  );
  let instanceUrl = '';
  let loginUrl = '';
  const auth = new AuthServer({
    clientId,
    clientSecret,
    users: options.users ?? [{ username: 'integration@example.org', password: 'passwordTOKEN' }],
    jwtPublicKey: options.jwtPublicKey,
    rotation: options.refreshTokenRotation ?? true,
    latencyMs: options.tokenLatencyMs ?? 15,
    initialRefreshTokens: options.refreshTokens ?? [],
    instanceUrl: () => instanceUrl,
    loginUrl: () => loginUrl,
  });
  const bulk = new BulkEngine(store, options.bulkStepMs ?? 40, options.bulkRecordsPerStep ?? 5000);
  const state = new FakeOrgState(store, auth, bulk, options.initialApiUsage ?? 0, options.dailyApiLimit ?? 100_000);
  const rest = new RestApi(store, bulk, () => ({ used: state.apiUsage, max: state.dailyApiLimit }));

  const concurrentDefault = options.concurrentRequestLimit ?? { max: 25, longRunningMs: 20_000 };
  /** Admission time of each REST call being processed (a one-element array, so each entry is its own key). */
  const inFlight = new Set<[number]>();
  let faults: FakeOrgFaults = {};
  let expireCountdown: number | undefined;
  let callsSinceExpiry = 0;
  let lastExpiryAt = Date.now();
  const expireAll = () => {
    auth.expireAll();
    state.sessionExpiries++;
    callsSinceExpiry = 0;
    lastExpiryAt = Date.now();
  };
  let rateWindow = { start: 0, count: 0 };
  /** APIM's rate limit: undefined when the call may pass, else the seconds to wait. */
  const rateLimited = (): number | undefined => {
    const limit = faults.apimRateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    if (now - rateWindow.start >= limit.windowMs) rateWindow = { start: now, count: 0 };
    if (rateWindow.count < limit.requests) {
      rateWindow.count++;
      return undefined;
    }
    return Math.max(1, Math.ceil((rateWindow.start + limit.windowMs - now) / 1000));
  };
  let quotaPeriod = { start: 0, count: 0 };
  /** APIM's quota: undefined when the call may pass, else the seconds until it is replenished. */
  const quotaSpent = (): number | undefined => {
    const quota = faults.apimQuota;
    if (!quota) return undefined;
    const now = Date.now();
    if (now - quotaPeriod.start >= quota.periodMs) quotaPeriod = { start: now, count: 0 };
    if (quotaPeriod.count < quota.requests) {
      quotaPeriod.count++;
      return undefined;
    }
    return Math.max(1, Math.ceil((quotaPeriod.start + quota.periodMs - now) / 1000));
  };
  const setFaults = (f: FakeOrgFaults) => {
    faults = { ...f };
    rateWindow = { start: 0, count: 0 };
    quotaPeriod = { start: 0, count: 0 };
    expireCountdown = f.expireSessionsAfterCalls;
    callsSinceExpiry = 0;
    lastExpiryAt = Date.now();
    store.setLockFaults(f.lockRows?.externalIds ?? [], f.lockRows?.times ?? 0);
    bulk.setJobFaults(f.bulkJobs);
  };
  setFaults(options.faults ?? {});
  const take = (key: 'html503' | 'serverUnavailable' | 'concurrentRequests' | 'apimThrottle'): boolean => {
    const f = faults[key];
    if (!f || f.times <= 0) return false;
    f.times--;
    return true;
  };

  const perApp = options.perAppApiLimit;
  const limitHeader = () => ({
    'sforce-limit-info': `api-usage=${state.apiUsage}/${state.dailyApiLimit}${perApp ? `; per-app-api-usage=${state.apiUsage - (options.initialApiUsage ?? 0)}/${perApp.max}(appName=${perApp.appName})` : ''}`,
  });

  /** Serves one request as the org; `onMyDomain` is false for the login host. */
  async function serveOrg(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    search: string,
    onMyDomain: boolean,
    _host: 'instance' | 'login',
  ): Promise<number> {
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    if (faults.latencyMs) await delay(faults.latencyMs);
    if (path === '/services/oauth2/token' && method === 'POST') {
      const answer = await auth.token(new URLSearchParams(raw), onMyDomain);
      return send(res, answer.status, answer.body, {
        'cache-control': 'no-cache,must-revalidate,max-age=0,no-store,private',
      });
    }
    if (path === '/services/oauth2/revoke' && method === 'POST') return send(res, 200, undefined);
    if (!path.startsWith('/services/data'))
      return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    if (!onMyDomain)
      return send(res, 401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    if (take('html503')) return sendText(res, 503, HTML_503, 'text/html; charset=utf-8');
    if (take('serverUnavailable'))
      return send(
        res,
        503,
        [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server is unavailable, please retry later' }],
        limitHeader(),
      );
    if (path === '/services/data' || path === '/services/data/') {
      return send(
        res,
        200,
        ['45.0', '46.0', '58.0', '59.0', '60.0', '61.0', '62.0'].map((v) => ({
          label: 'Fake',
          url: `/services/data/v${v}`,
          version: v,
        })),
      );
    }
    const versioned = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
    if (!versioned)
      return send(
        res,
        404,
        [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
        limitHeader(),
      );
    if (expireCountdown === 0) {
      expireAll();
      expireCountdown = undefined;
    }
    const every = faults.expireSessionsEvery;
    if (every?.ms !== undefined && Date.now() - lastExpiryAt >= every.ms) expireAll();
    const bearer = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const session = bearer ? auth.session(bearer[1]!.trim()) : undefined;
    if (!session || faults.rejectAllSessions)
      return send(
        res,
        401,
        [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
        limitHeader(),
      );
    if (faults.sessionNotValidForRest)
      return send(
        res,
        401,
        [{ message: 'This session is not valid for use with the REST API', errorCode: 'INVALID_SESSION_ID' }],
        limitHeader(),
      );
    if (expireCountdown !== undefined) expireCountdown--;
    // This call is served with the session; the next ones find it dead.
    if (every?.calls !== undefined && ++callsSinceExpiry >= every.calls) expireAll();
    if (faults.totalRequestsExhausted || state.apiUsage >= state.dailyApiLimit) {
      return send(
        res,
        403,
        [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
        limitHeader(),
      );
    }
    const concurrency = faults.concurrentRequestLimit ?? concurrentDefault;
    const admittedAt = Date.now();
    let longRunning = 0;
    for (const [started] of inFlight) if (admittedAt - started >= (concurrency.longRunningMs ?? 20_000)) longRunning++;
    if (take('concurrentRequests') || longRunning >= concurrency.max)
      return send(
        res,
        403,
        [
          {
            message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.',
            errorCode: 'REQUEST_LIMIT_EXCEEDED',
          },
        ],
        limitHeader(),
      );
    state.apiUsage++;
    // In flight from here until answered: what the concurrent limit counts.
    const slot: [number] = [admittedAt];
    inFlight.add(slot);
    state.peakInFlight = Math.max(state.peakInFlight, inFlight.size);
    try {
      if (faults.processingMs) await delay(faults.processingMs);
      return answerRest(res, method, versioned[1]!, versioned[2] ?? '/', search, req, raw);
    } finally {
      inFlight.delete(slot);
    }
  }

  function answerRest(
    res: ServerResponse,
    method: string,
    version: string,
    path: string,
    search: string,
    req: IncomingMessage,
    raw: string,
  ): number {
    let answer: RestAnswer;
    try {
      answer = rest.handle({
        method,
        version,
        path,
        query: new URLSearchParams(search),
        headers: req.headers,
        rawBody: raw,
      });
    } catch (e) {
      answer = {
        status: 500,
        body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: `An unexpected error occurred: ${(e as Error).message}` }],
      };
    }
    const headers = { ...limitHeader(), ...answer.headers };
    if (answer.text !== undefined)
      return sendText(res, answer.status, answer.text, answer.contentType ?? 'text/plain', headers);
    return send(res, answer.status, answer.body, headers);
  }

  const requests = state.requests;
  const orgServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    serveOrg(req, res, url.pathname, url.search, true, 'instance')
      .then((status) => requests.push({ method: req.method ?? 'GET', path: url.pathname, status, host: 'instance' }))
      .catch((e) => fail(res, e));
  });
  const loginServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    serveOrg(req, res, url.pathname, url.search, false, 'login')
      .then((status) => requests.push({ method: req.method ?? 'GET', path: url.pathname, status, host: 'login' }))
      .catch((e) => fail(res, e));
  });
  let apimServer: Server | undefined;
  const apim = options.apim;
  const basePath = apim ? `/${(apim.basePath ?? '/salesforce').replace(/^\/+|\/+$/g, '')}` : '';
  if (apim) {
    apimServer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const log = (status: number, host: 'instance' | 'apim') =>
        requests.push({ method: req.method ?? 'GET', path: url.pathname, status, host });
      const reject = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
        req.resume();
        log(send(res, status, body, headers), 'apim');
      };
      if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))
        return reject(404, { statusCode: 404, message: 'Resource not found' });
      const key = req.headers['ocp-apim-subscription-key'] ?? url.searchParams.get('subscription-key') ?? undefined;
      if (key === undefined)
        return reject(401, {
          statusCode: 401,
          message:
            'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
        });
      if (key !== apim.subscriptionKey)
        return reject(401, {
          statusCode: 401,
          message:
            'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.',
        });
      const replenished = quotaSpent();
      if (replenished !== undefined)
        return reject(
          403,
          { statusCode: 403, message: `Out of call volume quota. Quota will be replenished in ${hms(replenished)}.` },
          { 'retry-after': String(replenished) },
        );
      const wait = rateLimited();
      if (wait !== undefined)
        return reject(
          429,
          { statusCode: 429, message: `Rate limit is exceeded. Try again in ${wait} seconds.` },
          { 'retry-after': String(wait) },
        );
      const throttle = faults.apimThrottle;
      if (throttle && take('apimThrottle')) {
        const seconds = throttle.retryAfterSeconds;
        if ((throttle.status ?? 429) === 403)
          return reject(
            403,
            {
              statusCode: 403,
              message: `Out of call volume quota. Quota will be replenished in ${hms(seconds)}.`,
            },
            { 'retry-after': String(seconds) },
          );
        return reject(
          429,
          { statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` },
          { 'retry-after': String(seconds) },
        );
      }
      url.searchParams.delete('subscription-key');
      const inner = url.pathname.slice(basePath.length) || '/';
      serveOrg(req, res, inner, url.search, true, 'instance')
        .then((status) => requests.push({ method: req.method ?? 'GET', path: inner, status, host: 'instance' }))
        .catch((e) => fail(res, e));
    });
  }

  const servers = [orgServer, loginServer, ...(apimServer ? [apimServer] : [])];
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  for (const s of servers) s.keepAliveTimeout = 10_000;
  const portOf = (s: Server) => (s.address() as AddressInfo).port;
  instanceUrl = `http://127.0.0.1:${portOf(orgServer)}`;
  loginUrl = `http://127.0.0.1:${portOf(loginServer)}`;
  const apimUrl = apimServer ? `http://127.0.0.1:${portOf(apimServer)}${basePath}` : undefined;

  return {
    url: instanceUrl,
    loginUrl,
    apimUrl,
    ledger: store.ledger,
    state,
    setFaults,
    expireSessions: expireAll,
    issueToken: (username) => auth.issue(username),
    async close() {
      bulk.stop();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return status;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
  return status;
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
): number {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
  return status;
}

function fail(res: ServerResponse, e: unknown): void {
  if (!res.headersSent)
    send(res, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: String((e as Error)?.message ?? e) }]);
  else res.destroy();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Seconds as APIM writes them, `hh:mm:ss`. */
function hms(seconds: number): string {
  const two = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${two(seconds / 3600)}:${two((seconds % 3600) / 60)}:${two(seconds % 60)}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
