import { generateKeyPairSync, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@relaykit/testkit';
import { startFakeOrg, type FakeOrg, type FakeOrgOptions } from './index.js';

const orgs: FakeOrg[] = [];
afterEach(async () => {
  await Promise.all(orgs.splice(0).map((o) => o.close()));
});
const start = async (o: FakeOrgOptions = {}) => {
  const org = await startFakeOrg(o);
  orgs.push(org);
  return org;
};

const token = (base: string, form: Record<string, string>) =>
  fetch(`${base}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams(form) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, string>,
  }));

const api = (
  org: FakeOrg,
  t: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) =>
  fetch(`${org.url}/services/data/v60.0${path}`, {
    method,
    headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({
    status: r.status,
    headers: r.headers,
    body:
      r.status === 204
        ? undefined
        : (r.headers.get('content-type') ?? '').includes('json')
          ? await r.json()
          : await r.text(),
  }));

const base = { client_id: 'fake-client-id', client_secret: 'fake-client-secret' };

describe('fake org: OAuth', () => {
  it('answers like Salesforce: no expires_in, issued_at in ms, error objects', async () => {
    const org = await start();
    const ok = await token(org.url, { grant_type: 'client_credentials', ...base });
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body).sort()).toEqual([
      'access_token',
      'id',
      'instance_url',
      'issued_at',
      'scope',
      'signature',
      'token_type',
    ]);
    expect(Number(ok.body.issued_at)).toBeGreaterThan(1e12);
    expect(await token(org.loginUrl, { grant_type: 'client_credentials', ...base })).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'request not supported on this domain' },
    });
    expect(
      (await token(org.url, { grant_type: 'password', ...base, username: 'integration@example.org', password: 'nope' }))
        .body.error,
    ).toBe('invalid_grant');
    expect((await token(org.url, { grant_type: 'authorization_code', ...base })).body.error).toBe(
      'unsupported_grant_type',
    );
  });

  it('rotates refresh tokens, revokes the family on reuse, and refuses concurrent refreshes', async () => {
    const org = await start({ refreshTokens: ['rt-a'], tokenLatencyMs: 40 });
    const [first, second] = await Promise.all([
      token(org.loginUrl, { grant_type: 'refresh_token', ...base, refresh_token: 'rt-a' }),
      token(org.loginUrl, { grant_type: 'refresh_token', ...base, refresh_token: 'rt-a' }),
    ]);
    expect(first.status).toBe(200);
    expect(second.body.error_description).toBe('token request is already being processed');
    const next = first.body.refresh_token!;
    expect(next).not.toBe('rt-a');
    // Reusing the rotated-out token revokes the whole family, including the newest token.
    expect((await token(org.loginUrl, { grant_type: 'refresh_token', ...base, refresh_token: 'rt-a' })).status).toBe(
      400,
    );
    expect((await token(org.loginUrl, { grant_type: 'refresh_token', ...base, refresh_token: next })).status).toBe(400);
  });

  it('verifies JWT bearer assertions (RS256, exp in seconds)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const org = await start({ jwtPublicKey: publicKey });
    const jwt = (exp: number) => {
      const h = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
      const p = Buffer.from(
        JSON.stringify({
          iss: 'fake-client-id',
          sub: 'integration@example.org',
          aud: 'https://login.salesforce.com',
          exp,
        }),
      ).toString('base64url');
      return `${h}.${p}.${sign('RSA-SHA256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url')}`;
    };
    const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    expect(
      (await token(org.loginUrl, { grant_type: grant, assertion: jwt(Math.floor(Date.now() / 1000) + 120) })).status,
    ).toBe(200);
    expect((await token(org.loginUrl, { grant_type: grant, assertion: jwt(Date.now() + 120_000) })).body.error).toBe(
      'invalid_grant',
    ); // ms, not s
    expect(
      (await token(org.loginUrl, { grant_type: grant, assertion: jwt(Math.floor(Date.now() / 1000) - 5) })).body.error,
    ).toBe('invalid_grant');
  });
});

describe('fake org: REST wire format', () => {
  it('sends Sforce-Limit-Info on every answer and errors as arrays', async () => {
    const org = await start();
    const t = org.issueToken();
    const miss = await api(org, t, 'GET', '/sobjects/Contact/003000000000000AAA');
    expect(miss.status).toBe(404);
    expect(miss.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    expect(miss.headers.get('sforce-limit-info')).toBe('api-usage=1/100000');
    const expired = await api(org, 'bogus', 'GET', '/limits');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  it('upsert: 201, 200 (v46+), 300 with record URLs, 404 for an unknown field, updateOnly', async () => {
    const org = await start();
    const t = org.issueToken();
    expect((await api(org, t, 'PATCH', '/sobjects/Contact/Ext__c/X%2F1', { LastName: 'a' })).status).toBe(201);
    expect(org.state.records('Contact')[0]!.Ext__c).toBe('X/1');
    expect((await api(org, t, 'PATCH', '/sobjects/Contact/Ext__c/X%2F1', { LastName: 'b' })).body).toMatchObject({
      created: false,
      success: true,
    });
    org.state.seed('Contact', [
      { Ext__c: 'D', LastName: 'x' },
      { Ext__c: 'D', LastName: 'y' },
    ]);
    const multi = await api(org, t, 'PATCH', '/sobjects/Contact/Ext__c/D', { LastName: 'z' });
    expect(multi.status).toBe(300);
    expect((multi.body as string[])[0]).toMatch(/^\/services\/data\/v60\.0\/sobjects\/Contact\/003/);
    expect((await api(org, t, 'PATCH', '/sobjects/Contact/Nope__x/1', {})).status).toBe(404);
    expect((await api(org, t, 'PATCH', '/sobjects/Contact/Ext__c/NEW?updateOnly=true', { LastName: 'q' })).status).toBe(
      404,
    );
  });

  it('objects named like built-ins of a JavaScript object are objects like any other (no 500, no crash)', async () => {
    const org = await start();
    const t = org.issueToken();
    for (const object of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const res = await api(org, t, 'PATCH', `/sobjects/${object}/Ext__c/K1`, { Name: 'n' });
      expect(res.status, object).toBe(201);
      expect(org.state.records(object)).toHaveLength(1);
    }
  });

  it('collections: limit of 200, statusCode errors, duplicate external ids', async () => {
    const org = await start();
    const t = org.issueToken();
    const tooMany = await api(org, t, 'POST', '/composite/sobjects', {
      records: Array.from({ length: 201 }, () => ({ attributes: { type: 'Account' }, Name: 'x' })),
    });
    expect(tooMany.status).toBe(400);
    expect((tooMany.body as Array<{ errorCode: string }>)[0]!.errorCode).toBe('EXCEEDED_ID_LIMIT');
    const dup = await api(org, t, 'PATCH', '/composite/sobjects/Contact/Ext__c', {
      records: [
        { attributes: { type: 'Contact' }, Ext__c: 'S', LastName: 'a' },
        { attributes: { type: 'Contact' }, Ext__c: 'S', LastName: 'b' },
        { attributes: { type: 'Contact' }, Ext__c: 'T', LastName: 'c' },
      ],
    });
    expect(dup.body).toMatchObject([
      { success: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID' }] },
      { success: false },
      { success: true, created: true },
    ]);
  });

  it('composite: ≤ 25 subrequests, references, PROCESSING_HALTED with allOrNone', async () => {
    const org = await start();
    const t = org.issueToken();
    const sub = (i: number) => ({
      method: 'POST',
      url: '/services/data/v60.0/sobjects/Account',
      referenceId: `a${i}`,
      body: { Name: `A${i}` },
    });
    expect(
      (await api(org, t, 'POST', '/composite', { compositeRequest: Array.from({ length: 26 }, (_, i) => sub(i)) }))
        .status,
    ).toBe(400);
    const res = await api(org, t, 'POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v60.0/sobjects/Account', referenceId: 'bad', body: { Name: '' } },
        {
          method: 'POST',
          url: '/services/data/v60.0/sobjects/Contact',
          referenceId: 'c',
          body: { LastName: 'x', AccountId: '@{bad.id}' },
        },
      ],
    });
    expect(
      (
        res.body as { compositeResponse: Array<{ httpStatusCode: number; body: Array<{ errorCode: string }> }> }
      ).compositeResponse.map((r) => [r.httpStatusCode, r.body[0]!.errorCode]),
    ).toEqual([
      [400, 'REQUIRED_FIELD_MISSING'],
      [400, 'PROCESSING_HALTED'],
    ]);
  });

  it('Bulk 2.0 ingest changes state over time: Open → UploadComplete → InProgress → JobComplete', async () => {
    // Steps long enough that a poll on a busy machine still sees each state (4 records: 1 step queued, 2 in progress).
    const org = await start({ bulkStepMs: 400, bulkRecordsPerStep: 2 });
    const t = org.issueToken();
    const job = (
      await api(org, t, 'POST', '/jobs/ingest', {
        object: 'Account',
        operation: 'insert',
        contentType: 'CSV',
        lineEnding: 'LF',
      })
    ).body as { id: string; contentUrl: string; state: string };
    expect(job.state).toBe('Open');
    expect(job.contentUrl).toBe(`services/data/v60.0/jobs/ingest/${job.id}/batches`);
    const put = await fetch(`${org.url}/${job.contentUrl}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'text/csv' },
      body: 'Name\nA\nB\n""\nD\n',
    });
    expect(put.status).toBe(201);
    expect(
      ((await api(org, t, 'PATCH', `/jobs/ingest/${job.id}`, { state: 'UploadComplete' })).body as { state: string })
        .state,
    ).toBe('UploadComplete');
    const states = new Set<string>();
    await waitFor(
      async () => {
        states.add(((await api(org, t, 'GET', `/jobs/ingest/${job.id}`)).body as { state: string }).state);
        return states.has('JobComplete');
      },
      'the ingest job to complete',
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    expect([...states]).toEqual(expect.arrayContaining(['UploadComplete', 'InProgress', 'JobComplete']));
    const failed = await api(org, t, 'GET', `/jobs/ingest/${job.id}/failedResults/`);
    expect(String(failed.body)).toMatch(/^"?sf__Id"?,"?sf__Error"?,"?Name"?\n/);
    expect(org.ledger.countsByChannel().bulk).toBe(3);
  });

  it('APIM front: subscription key required, 429 with Retry-After, then passes through', async () => {
    const org = await start({
      apim: { subscriptionKey: 'k', basePath: '/sf' },
      faults: { apimThrottle: { retryAfterSeconds: 7, times: 1 } },
    });
    const url = `${org.apimUrl}/services/data/v60.0/limits`;
    expect(org.apimUrl).toMatch(/\/sf$/);
    const noKey = await fetch(url);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ statusCode: 401 });
    const throttled = await fetch(url, { headers: { 'ocp-apim-subscription-key': 'k' } });
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '7']);
    const ok = await fetch(url, {
      headers: { 'ocp-apim-subscription-key': 'k', authorization: `Bearer ${org.issueToken()}` },
    });
    expect(ok.status).toBe(200);
  });

  it('APIM rate limit: requests per window on every path, the token endpoint included', async () => {
    const org = await start({
      apim: { subscriptionKey: 'k' },
      faults: { apimRateLimit: { requests: 2, windowMs: 60_000 } },
    });
    const headers = { 'ocp-apim-subscription-key': 'k', authorization: `Bearer ${org.issueToken()}` };
    const limits = () => fetch(`${org.apimUrl}/services/data/v60.0/limits`, { headers });
    const tokenCall = () =>
      fetch(`${org.apimUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'ocp-apim-subscription-key': 'k' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'fake-client-id',
          client_secret: 'fake-client-secret',
        }),
      });
    expect((await limits()).status).toBe(200);
    expect((await tokenCall()).status).toBe(200);
    const refusedToken = await tokenCall();
    expect(refusedToken.status).toBe(429);
    expect(Number(refusedToken.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(await refusedToken.json()).toMatchObject({ statusCode: 429, message: expect.stringMatching(/^Rate limit/) });
    expect((await limits()).status).toBe(429);
    expect(org.state.tokenRequests).toHaveLength(1); // the refused one never reached the org
  });

  it('concurrent limit: counts requests in flight, refuses the one past the limit with the real shape', async () => {
    const org = await start({ concurrentRequestLimit: { max: 2, longRunningMs: 0 }, faults: { processingMs: 300 } });
    const t = org.issueToken();
    const answers = await Promise.all(Array.from({ length: 4 }, () => api(org, t, 'GET', '/limits')));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 403, 403]);
    expect(answers.find((a) => a.status === 403)!.body).toEqual([
      { message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect(org.state.peakInFlight).toBe(2);
    // Once they are answered, there is room again.
    expect((await api(org, t, 'GET', '/limits')).status).toBe(200);
  });

  it('APIM quota: 403 with the hours until it is replenished, on every path', async () => {
    const org = await start({
      apim: { subscriptionKey: 'k' },
      faults: { apimQuota: { requests: 1, periodMs: 3_600_000 } },
    });
    const call = () =>
      fetch(`${org.apimUrl}/services/oauth2/token`, { method: 'POST', headers: { 'ocp-apim-subscription-key': 'k' } });
    expect((await call()).status).toBe(400); // reached the org (no grant type)
    const spent = await call();
    expect(spent.status).toBe(403);
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(3590);
    expect(await spent.json()).toMatchObject({
      statusCode: 403,
      message: expect.stringMatching(
        /^Out of call volume quota\. Quota will be replenished in 0[01]:[0-5]\d:[0-5]\d\.$/,
      ),
    });
  });
});
