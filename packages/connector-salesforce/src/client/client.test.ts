import { generateKeyPairSync } from 'node:crypto';
import { isAbortedError, isCircuitOpenError } from '@relaykit/sdk-core';
import { afterEach, describe, expect, it } from 'vitest';
import { deadTokenProbe, startFakeOrg, type FakeOrg, type FakeOrgOptions } from '../testing/index.js';
import {
  type SalesforceBulkJobError,
  isSalesforceApiError,
  isSalesforceAuthError,
  isSalesforceBulkJobError,
  isSalesforceLimitError,
  isSalesforceMultipleMatchesError,
} from '../errors/index.js';
import { MemoryTokenStore } from '../auth/token-store.js';
import { SalesforceClient } from './client.js';
import type { SalesforceClientOptions } from './types.js';

const orgs: FakeOrg[] = [];
const clients: SalesforceClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(orgs.splice(0).map((o) => o.close()));
});

async function org(options: FakeOrgOptions = {}): Promise<FakeOrg> {
  const o = await startFakeOrg(options);
  orgs.push(o);
  return o;
}

const fastRetry = { retry: { maxAttempts: 4, initialDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 } };

function client(o: FakeOrg, extra: Partial<SalesforceClientOptions> = {}): SalesforceClient {
  const c = new SalesforceClient({
    instanceUrl: o.url,
    apiVersion: '60.0',
    auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
    resilience: fastRetry,
    ...extra,
  });
  clients.push(c);
  return c;
}

describe('authentication flows', () => {
  it('client credentials on the My Domain host', async () => {
    const o = await org();
    const sf = client(o);
    expect(await sf.upsert('Contact', 'Ext__c', 'cc-1', { LastName: 'A' })).toMatchObject({ created: true });
    expect(o.state.grants('client_credentials')).toBe(1);
  });

  it('client credentials on a login host fail fast with a typed error', async () => {
    const o = await org();
    const sf = client(o, { loginUrl: o.loginUrl });
    const error = await sf.upsert('Contact', 'Ext__c', 'cc-2', { LastName: 'A' }).catch((e: unknown) => e);
    expect(isSalesforceAuthError(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/request not supported on this domain/);
    expect(o.state.tokenRequests).toHaveLength(1);
  });

  it('JWT bearer signed RS256 with exp in seconds', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const o = await org({ jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string });
    const sf = client(o, {
      loginUrl: o.loginUrl,
      auth: {
        flow: 'jwt_bearer',
        clientId: 'fake-client-id',
        username: 'integration@example.org',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      },
    });
    await sf.create('Account', { Name: 'Jwt Inc' });
    expect(o.state.grants('urn:ietf:params:oauth:grant-type:jwt-bearer')).toBe(1);
    // A different key is refused.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bad = client(o, {
      loginUrl: o.loginUrl,
      sessionKey: 'bad',
      auth: {
        flow: 'jwt_bearer',
        clientId: 'fake-client-id',
        username: 'integration@example.org',
        privateKey: other.privateKey,
      },
    });
    await expect(bad.create('Account', { Name: 'x' })).rejects.toSatisfy(isSalesforceAuthError);
  });

  it('username-password (legacy)', async () => {
    const o = await org();
    const sf = client(o, {
      loginUrl: o.loginUrl,
      auth: {
        flow: 'password',
        clientId: 'fake-client-id',
        clientSecret: 'fake-client-secret',
        username: 'integration@example.org',
        password: 'password',
        securityToken: 'TOKEN',
      },
    });
    await sf.create('Account', { Name: 'Legacy' });
    expect(o.state.grants('password')).toBe(1);
  });

  it('persists rotated refresh tokens and uses the newest one for the next refresh', async () => {
    const o = await org({ refreshTokens: ['rt-0'] });
    const persisted: string[] = [];
    const sf = client(o, {
      loginUrl: o.loginUrl,
      auth: {
        flow: 'refresh_token',
        clientId: 'fake-client-id',
        clientSecret: 'fake-client-secret',
        refreshToken: 'rt-0',
        onRefreshTokenRotated: (t) => {
          persisted.push(t);
        },
      },
    });
    await sf.upsert('Contact', 'Ext__c', 'r-1', { LastName: 'A' });
    o.expireSessions();
    await sf.upsert('Contact', 'Ext__c', 'r-2', { LastName: 'B' });
    o.expireSessions();
    await sf.upsert('Contact', 'Ext__c', 'r-3', { LastName: 'C' });
    // Three grants, each with the newest token: reusing an old one would have revoked the family.
    expect(o.state.grants('refresh_token')).toBe(3);
    expect(persisted).toEqual(o.state.issuedRefreshTokens);
    expect(persisted).toHaveLength(3);
    expect(o.state.tokenRequests.every((t) => t.ok)).toBe(true);
  });
});

describe('session expiry', () => {
  it('two clients sharing a store without a lock: "already being processed" → the loser adopts the winner\'s session', async () => {
    const o = await org({ refreshTokens: ['rt-shared'], tokenLatencyMs: 60 });
    const store = new MemoryTokenStore();
    const make = () =>
      client(o, {
        loginUrl: o.loginUrl,
        tokenStore: store,
        sessionKey: 'shared',
        auth: { flow: 'refresh_token', clientId: 'fake-client-id', refreshToken: 'rt-shared' },
      });
    const [a, b] = [make(), make()];
    await Promise.all([a.create('Account', { Name: 'a' }), b.create('Account', { Name: 'b' })]);
    expect(o.state.grants('refresh_token')).toBe(1);
    expect(o.state.tokenRequests.filter((t) => t.error === 'token request is already being processed')).toHaveLength(1);
    expect((await a.sessions.current()).accessToken).toBe((await b.sessions.current()).accessToken);
  });

  it('1,000 parallel upserts with the session expiring mid-way: one refresh, no lost or doubled record', async () => {
    const o = await org({ faults: { expireSessionsAfterCalls: 300 } });
    const sf = client(o);
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => sf.upsert('Contact', 'Ext__c', `P-${i}`, { LastName: `Person ${i}` })),
    );
    expect(results.every((r) => r.created)).toBe(true);
    expect(o.state.grants('client_credentials')).toBe(2); // the first session + exactly one refresh
    expect(o.state.requests.filter((r) => r.status === 401).length).toBeGreaterThan(0);
    const counts = o.ledger.countsByExternalId('Contact');
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(o.state.records('Contact')).toHaveLength(1000);
  });

  it('1,000 parallel upserts, the session expiring every 300 calls: no failure, one refresh and at most one 401 per connection per expiry', async () => {
    const o = await org({ faults: { expireSessionsEvery: { calls: 300 } } });
    const connections = 8;
    // A 401 on a request that left after the client had been told its token was dead would be one too many.
    const probe = deadTokenProbe();
    const sf = client(o, { connections, createHttpClient: probe.createHttpClient });
    const settled = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) => sf.upsert('Contact', 'Ext__c', `E-${i}`, { LastName: `Person ${i}` })),
    );
    const failures = settled.filter((r) => r.status === 'rejected');
    expect(failures.map((f) => String((f as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([]);
    const expiries = o.state.sessionExpiries;
    expect(expiries).toBe(3); // after calls 300, 600 and 900
    expect(o.state.grants('client_credentials')).toBe(1 + expiries);
    const unauthorized = o.state.requests.filter((r) => r.status === 401).length;
    expect(unauthorized).toBeGreaterThan(0);
    expect(unauthorized).toBeLessThanOrEqual(expiries * connections);
    expect(probe.sentAfterDeadKnown).toBe(0);
    const counts = o.ledger.countsByExternalId('Contact');
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('sessions expiring by time, again and again, while calls queue: no failure', async () => {
    // 200 calls, 4 at a time, 10 ms each: at least 500 ms, so the session dies at least twice.
    const o = await org({ faults: { expireSessionsEvery: { ms: 250 }, latencyMs: 10 } });
    const sf = client(o, { connections: 4 });
    const settled = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => sf.upsert('Contact', 'Ext__c', `TE-${i}`, { LastName: 'x' })),
    );
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(o.state.sessionExpiries).toBeGreaterThanOrEqual(2);
    expect(o.state.grants('client_credentials')).toBeLessThanOrEqual(1 + o.state.sessionExpiries);
    expect(o.state.records('Contact')).toHaveLength(200);
  });

  it('a fresh session refused again: one refresh, then session_rejected_after_refresh (no loop)', async () => {
    const o = await org({ faults: { rejectAllSessions: true } });
    const sf = client(o);
    const error = await sf.upsert('Contact', 'Ext__c', 'RJ-1', { LastName: 'x' }).catch((e: unknown) => e);
    expect(isSalesforceAuthError(error) && error.reason).toBe('session_rejected_after_refresh');
    expect(o.state.grants('client_credentials')).toBe(2);
    expect(o.state.requests.filter((r) => r.status === 401)).toHaveLength(2);
  });

  it('"not valid for use with the REST API" fails fast without refreshing', async () => {
    const o = await org({ faults: { sessionNotValidForRest: true } });
    const sf = client(o);
    const error = await sf.get('Contact', '003000000000000AAA').catch((e: unknown) => e);
    expect(isSalesforceAuthError(error) && error.reason).toBe('session_not_valid_for_rest');
    expect(o.state.tokenRequests).toHaveLength(1);
  });
});

describe('upsert by external id', () => {
  it('maps 201, 200 and 204 (v45)', async () => {
    const o = await org();
    const sf = client(o);
    const a = await sf.upsert('Contact', 'Ext__c', 'U-1', { LastName: 'A' });
    expect(a).toMatchObject({ created: true, id: expect.stringMatching(/^003/) });
    expect(await sf.upsert('Contact', 'Ext__c', 'U-1', { LastName: 'B' })).toEqual({ id: a.id, created: false });
    const old = client(o, { apiVersion: '45.0' });
    expect(await old.upsert('Contact', 'Ext__c', 'U-1', { LastName: 'C' })).toEqual({ id: undefined, created: false });
  });

  it('300 → a typed error listing the matches; nothing written', async () => {
    const o = await org();
    const [x, y] = o.state.seed('Contact', [
      { LastName: 'Twin', Ext__c: 'DUP' },
      { LastName: 'Twin', Ext__c: 'DUP' },
    ]);
    const sf = client(o);
    const error = await sf.upsert('Contact', 'Ext__c', 'DUP', { LastName: 'New' }).catch((e: unknown) => e);
    expect(isSalesforceMultipleMatchesError(error)).toBe(true);
    expect((error as { matches: string[] }).matches.sort()).toEqual([x!.Id, y!.Id].sort());
    expect(o.ledger.entries).toHaveLength(0);
    expect(o.state.requests.filter((r) => r.status === 300)).toHaveLength(1); // never retried
  });

  it('404 for an unknown external-id field, not retried', async () => {
    const o = await org();
    const sf = client(o);
    const error = await sf.upsert('Contact', 'Nope__x', '1', { LastName: 'A' }).catch((e: unknown) => e);
    expect(isSalesforceApiError(error, 'NOT_FOUND')).toBe(true);
    expect(o.state.requests.filter((r) => r.status === 404)).toHaveLength(1);
  });

  it('validation errors are typed and never retried', async () => {
    const o = await org();
    const sf = client(o);
    const error = await sf.upsert('Contact', 'Ext__c', 'V-1', { FirstName: 'No last name' }).catch((e: unknown) => e);
    expect(isSalesforceApiError(error, 'REQUIRED_FIELD_MISSING')).toBe(true);
    expect(o.state.restCalls).toBe(1);
  });
});

describe('collections', () => {
  it('UNABLE_TO_LOCK_ROW on a few rows → only those rows are re-sent', async () => {
    const o = await org({ faults: { lockRows: { externalIds: ['L-5', 'L-250', 'L-499'], times: 2 } } });
    const sf = client(o);
    const records = Array.from({ length: 500 }, (_, i) => ({ Ext__c: `L-${i}`, LastName: `Lock ${i}` }));
    const results = await sf.upsertMany('Contact', 'Ext__c', records);
    expect(results.every((r) => r.success && r.created)).toBe(true);
    // 3 chunks, then the 3 locked rows re-sent twice: 2 calls per chunk that had one (3 chunks) = 6.
    expect(o.state.restCalls).toBe(3 + 6);
    const counts = o.ledger.countsByExternalId('Contact');
    expect(counts.size).toBe(500);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('allOrNone with a locked row: the whole chunk (rolled back) is re-sent, each record written once', async () => {
    const o = await org({ faults: { lockRows: { externalIds: ['AN-3'], times: 1 } } });
    const sf = client(o);
    const results = await sf.upsertMany(
      'Contact',
      'Ext__c',
      Array.from({ length: 10 }, (_, i) => ({ Ext__c: `AN-${i}`, LastName: 'x' })),
      { allOrNone: true },
    );
    expect(results.every((r) => r.success)).toBe(true);
    expect(o.state.restCalls).toBe(2);
    expect(o.ledger.entries).toHaveLength(10);
  });

  it('keeps results in input order with per-record errors, and honours allOrNone', async () => {
    const o = await org();
    const sf = client(o);
    const records = Array.from({ length: 450 }, (_, i) => ({ Ext__c: `O-${i}`, LastName: i === 301 ? '' : `N${i}` }));
    const results = await sf.upsertMany('Contact', 'Ext__c', records, { concurrency: 3 });
    expect(results).toHaveLength(450);
    expect(results[301]).toMatchObject({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING' }] });
    const ids = new Map(o.state.records('Contact').map((r) => [r.Ext__c, r.Id]));
    expect(results.every((r, i) => i === 301 || r.id === ids.get(`O-${i}`))).toBe(true);

    const all = await sf.createMany('Account', [{ Name: 'ok' }, { Name: '' }], { allOrNone: true });
    expect(all[0]!.errors[0]!.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(all[1]!.errors[0]!.statusCode).toBe('REQUIRED_FIELD_MISSING');
    expect(o.state.records('Account')).toHaveLength(0);
  });

  it('creates, updates and deletes many', async () => {
    const o = await org();
    const sf = client(o);
    const created = await sf.createMany(
      'Account',
      Array.from({ length: 250 }, (_, i) => ({ Name: `A${i}` })),
    );
    const ids = created.map((r) => r.id!);
    const updated = await sf.updateMany(
      'Account',
      ids.map((Id) => ({ Id, Rating__c: 'Hot' })),
    );
    expect(updated.every((r) => r.success)).toBe(true);
    expect(o.state.records('Account').every((r) => r.Rating__c === 'Hot')).toBe(true);
    const deleted = await sf.deleteMany(ids);
    expect(deleted.every((r) => r.success)).toBe(true);
    expect(o.state.records('Account')).toHaveLength(0);
  });
});

describe('resilience', () => {
  it('APIM 429 → waits Retry-After, then succeeds; URLs are rebased onto the gateway', async () => {
    const o = await org({ apim: { subscriptionKey: 'sub-key' } });
    const sf = client(o, { apiGateway: { baseUrl: o.apimUrl!, subscriptionKey: 'sub-key' } });
    await sf.upsert('Contact', 'Ext__c', 'G-0', { LastName: 'warm-up' });
    o.setFaults({ apimThrottle: { status: 429, retryAfterSeconds: 1, times: 1 } });
    const started = Date.now();
    await sf.upsert('Contact', 'Ext__c', 'G-1', { LastName: 'A' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(o.state.requests.filter((r) => r.status === 429)).toHaveLength(1);
    const rec = await sf.get('Contact', o.state.records('Contact')[0]!.Id);
    expect(rec.attributes?.url.startsWith(o.apimUrl!)).toBe(true);
  });

  it('APIM 403 quota with Retry-After is honoured even for a plain create (nothing was written)', async () => {
    const o = await org({ apim: { subscriptionKey: 'k' } });
    const sf = client(o, { apiGateway: { baseUrl: o.apimUrl!, subscriptionKey: 'k' } });
    o.setFaults({ apimThrottle: { status: 403, retryAfterSeconds: 0, times: 1 } });
    await sf.create('Account', { Name: 'once' });
    expect(o.ledger.writes('Account')).toHaveLength(1);
  });

  it('a gateway 429 on the token request during a refresh-token refresh: the grant waits Retry-After and every waiting call succeeds', async () => {
    const o = await org({ apim: { subscriptionKey: 'k' }, refreshTokens: ['rt-0'] });
    const sf = client(o, {
      apiGateway: { baseUrl: o.apimUrl!, subscriptionKey: 'k' },
      auth: { flow: 'refresh_token', clientId: 'fake-client-id', refreshToken: 'rt-0' },
    });
    await sf.upsert('Contact', 'Ext__c', 'TT-warm', { LastName: 'warm-up' });
    // 6 calls a second through the gateway: the 6 upserts pass (and get the 401); the refresh that
    // follows (the org answers after 200 ms, when all 6 have arrived) is the 7th and gets a 429.
    o.setFaults({ apimRateLimit: { requests: 6, windowMs: 1_000 }, latencyMs: 200 });
    o.expireSessions();
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => sf.upsert('Contact', 'Ext__c', `TT-${i}`, { LastName: 'x' })),
    );
    expect(settled.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([]);
    const throttledTokens = o.state.requests.filter(
      (r) => r.host === 'apim' && r.status === 429 && r.path.endsWith('/services/oauth2/token'),
    );
    expect(throttledTokens.length).toBeGreaterThan(0);
    expect(o.state.grants('refresh_token')).toBe(2); // the first session + one refresh, never replayed after success
    expect(o.state.tokenRequests.every((t) => t.ok)).toBe(true);
    expect(o.state.records('Contact')).toHaveLength(7);
  });

  it('a wrong subscription key fails fast (no refresh loop)', async () => {
    const o = await org({ apim: { subscriptionKey: 'right' } });
    const sf = client(o, { apiGateway: { baseUrl: o.apimUrl!, subscriptionKey: 'wrong' } });
    const error = await sf.get('Account', '001').catch((e: unknown) => e);
    expect(isSalesforceAuthError(error) && error.reason).toBe('gateway_subscription');
    expect(o.state.requests).toHaveLength(1);
  });

  it('TotalRequests → circuit isolated and a clear error; later calls do not reach the org', async () => {
    const o = await org({ dailyApiLimit: 3 });
    const sf = client(o);
    for (let i = 0; i < 3; i++) await sf.upsert('Contact', 'Ext__c', `T-${i}`, { LastName: 'x' });
    const error = await sf.upsert('Contact', 'Ext__c', 'T-3', { LastName: 'x' }).catch((e: unknown) => e);
    expect(isSalesforceLimitError(error) && error.kind).toBe('total_requests');
    expect(sf.policy.circuitState).toBe('isolated');
    const before = o.state.requests.length;
    const next = await sf.upsert('Contact', 'Ext__c', 'T-4', { LastName: 'x' }).catch((e: unknown) => e);
    expect(isCircuitOpenError(next)).toBe(true);
    expect(o.state.requests.length).toBe(before);
  });

  it('TotalRequests while 200 calls queue: nothing more leaves the client once the org said the allocation is spent', async () => {
    const o = await org({ dailyApiLimit: 20 });
    const connections = 8;
    const sf = client(o, { connections });
    const settled = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => sf.upsert('Contact', 'Ext__c', `Q-${i}`, { LastName: 'x' })),
    );
    const rest = o.state.requests.filter((r) => r.path.startsWith('/services/data/'));
    // The 20 the allocation allowed, plus at most the ones already on the wire when the first 403 came back.
    expect(rest.length).toBeLessThanOrEqual(20 + connections);
    expect(o.state.records('Contact')).toHaveLength(20);
    const errors = settled.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(errors).toHaveLength(180);
    expect(errors.every((e) => isSalesforceLimitError(e) || isCircuitOpenError(e))).toBe(true);
    expect(sf.policy.circuitState).toBe('isolated');
  });

  it('APIM quota 403 with Retry-After: 3600 → a limit error with its retry time (not an auth failure); the circuit holds', async () => {
    const o = await org({ apim: { subscriptionKey: 'k' } });
    const sf = client(o, { apiGateway: { baseUrl: o.apimUrl!, subscriptionKey: 'k' } });
    await sf.upsert('Contact', 'Ext__c', 'QG-0', { LastName: 'x' });
    o.setFaults({ apimQuota: { requests: 0, periodMs: 3_600_000 } });
    const error = await sf.upsert('Contact', 'Ext__c', 'QG-1', { LastName: 'x' }).catch((e: unknown) => e);
    expect(isSalesforceLimitError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', kind: 'gateway_quota' });
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(3_500_000);
    expect(o.state.requests.filter((r) => r.status === 403)).toHaveLength(1); // not retried within the hour
    const before = o.state.requests.length;
    expect(isCircuitOpenError(await sf.get('Contact', '003').catch((e: unknown) => e))).toBe(true);
    expect(o.state.requests.length).toBe(before);
  });

  it("the org's in-flight limit: with as many connections as it allows, no call is refused", async () => {
    const o = await org({ concurrentRequestLimit: { max: 3, longRunningMs: 0 }, faults: { processingMs: 20 } });
    const sf = client(o, { connections: 3 });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => sf.upsert('Contact', 'Ext__c', `IF-${i}`, { LastName: 'x' })),
    );
    expect(o.state.records('Contact')).toHaveLength(40);
    expect(o.state.peakInFlight).toBe(3);
    expect(o.state.requests.filter((r) => r.status === 403)).toEqual([]);
  });

  it('HTML 503 and SERVER_UNAVAILABLE are retried for upserts; a plain create is never replayed', async () => {
    const o = await org({ faults: { html503: { times: 1 }, serverUnavailable: { times: 1 } } });
    const sf = client(o);
    expect((await sf.upsert('Contact', 'Ext__c', 'H-1', { LastName: 'x' })).created).toBe(true);
    o.setFaults({ html503: { times: 1 } });
    const error = await sf.create('Account', { Name: 'maybe' }).catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(503);
    expect(typeof (error as { body?: unknown }).body).toBe('string'); // HTML kept as text
    expect(o.ledger.writes('Account')).toHaveLength(0);
  });

  it('UNABLE_TO_LOCK_ROW on a single upsert and on a plain create is retried (nothing was written)', async () => {
    const o = await org({ faults: { lockRows: { externalIds: ['SL-1', 'AC-1'], times: 2 } } });
    const sf = client(o);
    expect((await sf.upsert('Contact', 'Ext__c', 'SL-1', { LastName: 'x' })).created).toBe(true);
    expect((await sf.create('Account', { Name: 'locked', Ext__c: 'AC-1' })).id).toMatch(/^001/);
    expect(o.ledger.entries).toHaveLength(2);
    expect(o.state.restCalls).toBe(6);
  });

  it('a call aborted while it waits for a connection slot rejects at once with the reason and never reaches the org', async () => {
    const o = await org({ faults: { processingMs: 3_000 } });
    const sf = client(o, { connections: 1 });
    await sf.sessions.current();
    let firstDone = false;
    const first = sf.upsert('Contact', 'Ext__c', 'Q-1', { LastName: 'x' }).finally(() => {
      firstDone = true;
    });
    const controller = new AbortController();
    const queued = sf.upsert('Contact', 'Ext__c', 'Q-2', { LastName: 'y' }, { signal: controller.signal });
    const reason = new Error('the caller gave up');
    controller.abort(reason);
    const error = await queued.catch((e: unknown) => e);
    // Settled while the only connection is still busy with the first call, not when it frees.
    expect(firstDone).toBe(false);
    expect(isAbortedError(error) && (error as Error).cause).toBe(reason);
    expect((await first).created).toBe(true);
    o.setFaults({});
    expect((await sf.upsert('Contact', 'Ext__c', 'Q-3', { LastName: 'z' })).created).toBe(true);
    expect(o.state.requests.filter((r) => r.path.includes('/Ext__c/')).map((r) => r.path.split('/').pop())).toEqual([
      'Q-1',
      'Q-3',
    ]);
  });

  it('ConcurrentRequests is retried', async () => {
    const o = await org({ faults: { concurrentRequests: { times: 2 } } });
    const sf = client(o);
    expect((await sf.create('Account', { Name: 'c' })).id).toMatch(/^001/);
    expect(o.ledger.writes('Account')).toHaveLength(1);
  });
});

describe('limits', () => {
  it('tracks Sforce-Limit-Info, reads /limits and guards non-urgent work', async () => {
    const o = await org({ dailyApiLimit: 20, initialApiUsage: 16, perAppApiLimit: { appName: 'relaykit', max: 250 } });
    const sf = client(o, { limitGuardShare: 0.9 });
    const seen: number[] = [];
    sf.usage.subscribe((u) => seen.push(u.used));
    await sf.create('Account', { Name: 'a' });
    expect(sf.apiUsage).toMatchObject({ used: 17, max: 20 });
    await sf.create('Account', { Name: 'b' });
    const error = await sf.create('Account', { Name: 'c' }).catch((e: unknown) => e);
    expect(isSalesforceLimitError(error) && error.kind).toBe('guard');
    await sf.create('Account', { Name: 'urgent' }, { urgent: true });
    expect(sf.apiUsage?.entries.find((e) => e.name === 'per-app-api-usage')).toMatchObject({
      max: 250,
      qualifier: 'appName=relaykit',
    });
    const limits = await sf.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 20, Remaining: 0 });
    expect(sf.apiUsage).toMatchObject({ used: 20, max: 20, share: 1 });
    expect(seen).toContain(18);
  });
});

describe('query, composite, bulk', () => {
  it('query iterates pages with batchSize; queryAll sees deleted rows; URLs rebased behind APIM', async () => {
    const o = await org({ apim: { subscriptionKey: 'k' } });
    o.state.seed(
      'Account',
      Array.from({ length: 950 }, (_, i) => ({ Name: `Q${i}`, Ext__c: `Q-${i}` })),
    );
    const sf = client(o, { apiGateway: { baseUrl: o.apimUrl!, subscriptionKey: 'k' } });
    const pages = [];
    for await (const page of sf.queryPages('SELECT Id, Name FROM Account ORDER BY Name', { batchSize: 200 }))
      pages.push(page);
    expect(pages.map((p) => p.records.length)).toEqual([200, 200, 200, 200, 150]);
    expect(pages[0]!.nextRecordsUrl!.startsWith(`${o.apimUrl}/services/data/v60.0/query/`)).toBe(true);
    expect(pages[0]!.records[0]!.attributes!.url.startsWith(o.apimUrl!)).toBe(true);
    const victim = o.state.records('Account')[0]!;
    await sf.delete('Account', victim.Id);
    let live = 0;
    for await (const _ of sf.query("SELECT Id FROM Account WHERE Name LIKE 'Q%'")) live++;
    expect(live).toBe(949);
    const deleted = [];
    for await (const r of sf.queryAll(`SELECT Id FROM Account WHERE Id = '${victim.Id}'`)) deleted.push(r);
    expect(deleted).toHaveLength(1);
  });

  it('composite: contact + donation in one call with a reference', async () => {
    const o = await org();
    const sf = client(o);
    const out = await sf.composite(
      [
        { method: 'PATCH', url: '/sobjects/Contact/Ext__c/D-1', referenceId: 'contact', body: { LastName: 'Donor' } },
        {
          method: 'POST',
          url: '/sobjects/Donation__c',
          referenceId: 'gift',
          body: { Contact__c: '@{contact.id}', Amount__c: 50 },
        },
      ],
      { allOrNone: true },
    );
    expect(out.map((r) => r.httpStatusCode)).toEqual([201, 201]);
    const contact = o.state.records('Contact')[0]!;
    expect(o.state.records('Donation__c')[0]).toMatchObject({ Contact__c: contact.Id, Amount__c: 50 });
    expect(o.state.restCalls).toBe(1);
    const failed = await sf.composite(
      [
        { method: 'PATCH', url: '/sobjects/Contact/Ext__c/D-2', referenceId: 'c', body: { LastName: 'Second' } },
        { method: 'POST', url: '/sobjects/Account', referenceId: 'a', body: { Name: '' } },
      ],
      { allOrNone: true },
    );
    expect(failed.map((r) => r.httpStatusCode)).toEqual([400, 400]);
    expect(JSON.stringify(failed[0]!.body)).toContain('PROCESSING_HALTED');
    expect(o.state.records('Contact')).toHaveLength(1);
  });

  it('bulk ingest splits by size, reports progress and matches unordered results back to rows', async () => {
    const o = await org({ bulkStepMs: 10, bulkRecordsPerStep: 100 });
    const sf = client(o);
    const records = Array.from({ length: 400 }, (_, i) => ({
      Ext__c: `BK-${i}`,
      LastName: i % 50 === 7 ? '' : `Bulk, "${i}"`,
      Email: null,
    }));
    const progress: string[] = [];
    const res = await sf.bulkIngest({
      object: 'Contact',
      operation: 'upsert',
      externalIdField: 'Ext__c',
      records,
      maxBytesPerJob: 8_000,
      poll: { initialMs: 5, maxMs: 20 },
      onProgress: (p) => progress.push(`${p.job}/${p.jobs}:${p.state}`),
    });
    expect(res.jobs.length).toBeGreaterThan(1);
    expect(res.failed).toBe(8);
    expect(res.successful).toBe(392);
    expect(res.results[7]).toMatchObject({
      index: 7,
      status: 'failed',
      error: expect.stringMatching(/^REQUIRED_FIELD_MISSING/),
    });
    const ids = new Map(o.state.records('Contact').map((r) => [r.Ext__c, r.Id]));
    expect(res.results.every((r, i) => r.status === 'failed' || r.id === ids.get(`BK-${i}`))).toBe(true);
    expect(progress.some((p) => p.endsWith('InProgress'))).toBe(true);
    expect(progress.at(-1)).toMatch(/JobComplete$/);
    expect([...o.ledger.countsByExternalId('Contact').values()].every((n) => n === 1)).toBe(true);
  });

  it('bulk query follows Sforce-Locator pages', async () => {
    const o = await org({ bulkStepMs: 5 });
    o.state.seed(
      'Account',
      Array.from({ length: 1234 }, (_, i) => ({ Name: `BQ${i}` })),
    );
    const sf = client(o);
    const rows = [];
    for await (const row of sf.bulkQuery('SELECT Id, Name FROM Account', { maxRecords: 500, poll: { initialMs: 5 } }))
      rows.push(row);
    expect(rows).toHaveLength(1234);
    expect(o.state.requests.filter((r) => r.path.endsWith('/results'))).toHaveLength(3);
  });
});

describe('bulk failures and cancellation', () => {
  it('an ingest job that ends Failed midway: a typed error with its errorMessage and every row accounted for', async () => {
    const o = await org({
      bulkStepMs: 5,
      bulkRecordsPerStep: 50,
      faults: {
        bulkJobs: { end: 'Failed', afterRecords: 100, errorMessage: 'InvalidBatch : Failed to process the batch' },
      },
    });
    const sf = client(o);
    const records = Array.from({ length: 300 }, (_, i) => ({
      Ext__c: `BF-${i}`,
      LastName: i === 10 ? '' : `Row ${i}`,
    }));
    const error = await sf
      .bulkIngest({
        object: 'Contact',
        operation: 'upsert',
        externalIdField: 'Ext__c',
        records,
        poll: { initialMs: 5 },
      })
      .catch((e: unknown) => e);
    expect(isSalesforceBulkJobError(error)).toBe(true);
    const e = error as SalesforceBulkJobError;
    expect([e.state, e.errorMessage, e.code]).toEqual([
      'Failed',
      'InvalidBatch : Failed to process the batch',
      'SALESFORCE_BULK_JOB',
    ]);
    expect(e.message).toMatch(/ended Failed after 99 rows written and 1 failed: InvalidBatch/);
    expect(e.partial).toMatchObject({ successful: 99, failed: 1, unprocessed: 200 });
    expect(e.partial!.results[10]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^REQUIRED_FIELD_MISSING/),
    });
    expect(e.partial!.results[299]).toEqual({ index: 299, status: 'unprocessed' });
    expect(o.ledger.countsByChannel().bulk).toBe(99);
  });

  it('an ingest job aborted by someone else and a failed query job: typed errors, never a silent success', async () => {
    const o = await org({ bulkStepMs: 5, faults: { bulkJobs: { end: 'Aborted', kind: 'ingest' } } });
    const sf = client(o);
    const aborted = await sf
      .bulkIngest({ object: 'Account', operation: 'insert', records: [{ Name: 'x' }], poll: { initialMs: 5 } })
      .catch((e: unknown) => e);
    expect(isSalesforceBulkJobError(aborted) && [aborted.state, aborted.partial?.unprocessed]).toEqual(['Aborted', 1]);
    o.setFaults({ bulkJobs: { end: 'Failed', kind: 'query' } });
    const failed = await (async () => {
      for await (const _ of sf.bulkQuery('SELECT Id FROM Account', { poll: { initialMs: 5 } })) {
        /* none */
      }
    })().catch((e: unknown) => e);
    expect(isSalesforceBulkJobError(failed) && failed.state).toBe('Failed');
    expect(String((failed as Error).message)).toMatch(
      /^Bulk query job \S+ ended Failed \(Salesforce gave no reason\)$/,
    );
  });

  it('a malformed bulk query fails with MALFORMED_QUERY; aborting a poll ends it with AbortedError', async () => {
    const o = await org({ bulkStepMs: 60_000 });
    const sf = client(o);
    const bad = await (async () => {
      for await (const _ of sf.bulkQuery('SELECT FROM')) {
        /* none */
      }
    })().catch((e: unknown) => e);
    expect(isSalesforceApiError(bad, 'MALFORMED_QUERY')).toBe(true);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await sf
      .bulkIngest({
        object: 'Account',
        operation: 'insert',
        records: [{ Name: 'slow' }],
        signal: controller.signal,
        poll: { initialMs: 20 },
      })
      .catch((e: unknown) => e);
    expect(isAbortedError(aborted)).toBe(true);
  });
});
