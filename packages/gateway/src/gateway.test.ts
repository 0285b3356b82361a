import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEcho } from './test-support/echo.js';
import { METRICS_TOKEN, startTestGateway, waitFinal, type TestGateway } from './test-support/harness.js';
import { MemoryJobQueue } from './queue/memory.js';

const run = promisify(execFile);

// One embedded gateway (PGlite boots slowly) serves every suite of this file.
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

describe('gateway (embedded engines: PGlite + in-memory queue)', () => {
  it('says which engines it uses', () => {
    expect(t.gateway.describeEngines()).toMatch(/embedded PGlite.*in-memory queue/);
  });

  it('submits, processes and reports a job', async () => {
    const res = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'a', value: 1 } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', links: { self: `/v1/jobs/${res.body.id}` } });
    expect(res.headers.get('location')).toBe(`/v1/jobs/${res.body.id}`);
    const job = await waitFinal(t, res.body.id);
    expect(job).toMatchObject({ status: 'succeeded', result: { stored: 'a' }, instance: 'echo-dev', operation: 'put' });
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts[0]).toMatchObject({ attempt: 1, outcome: 'succeeded' });
  });

  it("refuses at submit an input the operation's check finds wrong for this instance, single and in a batch", async () => {
    const single = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'reserved:x' } });
    expect(single.status).toBe(400);
    expect(single.body).toMatchObject({ code: 'VALIDATION', errors: [{ path: 'key' }] });
    expect(single.body.errors[0].message).toMatch(/reserved on this instance/);
    const batch = await t.call('POST', '/v1/jobs/batch', {
      key: t.keys.dev,
      headers: { 'idempotency-key': 'check-batch-1' },
      body: {
        jobs: [
          { instance: 'echo-dev', operation: 'put', input: { key: 'fine' } },
          { instance: 'echo-dev', operation: 'put', input: { key: 'reserved:y' } },
        ],
      },
    });
    expect(batch.status).toBe(400);
    expect(batch.body.errors).toEqual([expect.objectContaining({ path: 'jobs.1.input.key' })]);
    expect((await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'fine:x' } })).status).toBe(202);
  });

  it('answers 200 with the result when ?wait covers the run', async () => {
    const res = await t.call('POST', '/v1/echo-dev/put?wait=5s', { key: t.keys.dev, body: { key: 'w', value: 2 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'succeeded', result: { stored: 'w' } });
  });

  it('answers 202 when ?wait runs out first', async () => {
    const res = await t.call('POST', '/v1/echo-dev/slow?wait=50ms', { key: t.keys.dev, body: { ms: 400 } });
    expect(res.status).toBe(202);
    expect((await waitFinal(t, res.body.id)).status).toBe('succeeded');
  });

  it('retries retryable failures with back-off and lists each attempt', async () => {
    t.upstream.failNext = 2;
    const res = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'flaky', value: 3 } });
    const job = await waitFinal(t, res.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed', 'succeeded']);
    expect(job.attempts[0].error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    // Without a client Idempotency-Key every attempt still carries one key, the job's, so an upstream can de-duplicate.
    expect(t.upstream.attemptKeys.slice(-3)).toEqual([
      `job:${res.body.id}`,
      `job:${res.body.id}`,
      `job:${res.body.id}`,
    ]);
  });

  it('ends as dead when retries run out, and failed on a fatal error', async () => {
    t.upstream.failNext = 3;
    const dead = await waitFinal(
      t,
      (await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'd', value: 0 } })).body.id,
    );
    expect(dead.status).toBe('dead');
    expect(dead.attempts).toHaveLength(3);
    const failed = await waitFinal(
      t,
      (await t.call('POST', '/v1/echo-dev/fail', { key: t.keys.dev, body: { reason: 'bad' } })).body.id,
    );
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'UPSTREAM_REJECTED', retryable: false } });
    expect(failed.attempts).toHaveLength(1);
  });

  it('refuses invalid input with problem+json listing each field path', async () => {
    const res = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: '', email: 'nope' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'VALIDATION', status: 400, type: '/docs#problem-VALIDATION' });
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'key']);
  });

  it('serves problem+json for unknown routes, bad JSON, wrong media type, huge bodies and wrong methods', async () => {
    const unknown = await t.call('GET', '/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    expect((await t.call('POST', '/v1/echo-dev/nope', { key: t.keys.dev, body: {} })).body.code).toBe('NOT_FOUND');
    expect((await t.call('POST', '/v1/nope/put', { key: t.keys.dev, body: {} })).status).toBe(404);
    const bad = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: '{"key":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'MALFORMED_JSON' } });
    const media = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: 'key=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(media).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    const huge = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      body: { key: 'x', value: 'y'.repeat(2 * 1024 * 1024) },
    });
    expect(huge).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    const method = await t.call('DELETE', '/v1/echo-dev/put', { key: t.keys.dev });
    expect(method).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('refuses missing keys, other environments and out-of-scope operations', async () => {
    expect((await t.call('POST', '/v1/echo-dev/put', { body: { key: 'a' } })).body.code).toBe('UNAUTHENTICATED');
    expect(
      (await t.call('POST', '/v1/echo-dev/put', { key: `rk_aaaaaaaaaaaa_${'b'.repeat(43)}`, body: { key: 'a' } }))
        .status,
    ).toBe(401);
    const env = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.prod, body: { key: 'a' } });
    expect(env).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_ENVIRONMENT' } });
    const env2 = await t.call('POST', '/v1/echo-prod/put', { key: t.keys.dev, body: { key: 'a' } });
    expect(env2).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_ENVIRONMENT' } });
    const scope = await t.call('POST', '/v1/echo-dev/slow', { key: t.keys.narrow, body: { ms: 1 } });
    expect(scope).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_SCOPE' } });
    expect((await t.call('POST', '/v1/echo-dev/put', { key: t.keys.narrow, body: { key: 'n' } })).status).toBe(202);
    // A job of another environment is not even confirmed to exist.
    const prodJob = await t.call('POST', '/v1/echo-prod/put', { key: t.keys.prod, body: { key: 'p' } });
    expect((await t.call('GET', `/v1/jobs/${prodJob.body.id}`, { key: t.keys.dev })).status).toBe(404);
  });

  it('revoked keys stop working', async () => {
    const { key, secret } = await t.gateway.keys.create({ name: 'tmp', environment: 'development', scopes: ['*'] });
    expect((await t.call('POST', '/v1/echo-dev/put', { key: secret, body: { key: 'r' } })).status).toBe(202);
    expect(await t.gateway.keys.revoke(key.id)).toBe(true);
    expect((await t.call('POST', '/v1/echo-dev/put', { key: secret, body: { key: 'r' } })).status).toBe(401);
    expect((await t.gateway.keys.list()).find((k) => k.id === key.id)?.revokedAt).toBeTruthy();
  });

  it('replays an Idempotency-Key: one job, one upstream write; 422 on another body', async () => {
    const before = t.upstream.writes.filter((w) => w.key === 'idem').length;
    const headers = { 'idempotency-key': '"8e03978e-40d5-43e8-bc93-6894a57f9324"' };
    const first = await t.call('POST', '/v1/echo-dev/put?wait=5s', {
      key: t.keys.dev,
      body: { key: 'idem', value: 1 },
      headers,
    });
    const second = await t.call('POST', '/v1/echo-dev/put?wait=5s', {
      key: t.keys.dev,
      body: { key: 'idem', value: 1 },
      headers,
    });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(t.upstream.writes.filter((w) => w.key === 'idem').length - before).toBe(1);
    const mismatch = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      body: { key: 'idem', value: 2 },
      headers,
    });
    expect(mismatch).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_MISMATCH' } });
    // The key is checked before the body: reused with an invalid or unparseable body it is still a mismatch.
    const invalid = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { nope: true }, headers });
    expect(invalid).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_MISMATCH' } });
    // A first request that fails validation does not burn its key: fixed, the same key goes through.
    const fresh = { 'idempotency-key': 'fix-and-retry' };
    expect(
      await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { nope: true }, headers: fresh }),
    ).toMatchObject({ status: 400, body: { code: 'VALIDATION' } });
    expect(
      (await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'fixed' }, headers: fresh })).status,
    ).toBe(202);
    // Batches follow the same order.
    const batchHeaders = { 'idempotency-key': 'batch-order' };
    const batch = await t.call('POST', '/v1/jobs/batch', {
      key: t.keys.dev,
      body: { jobs: [{ instance: 'echo-dev', operation: 'put', input: { key: 'b1' } }] },
      headers: batchHeaders,
    });
    expect(batch.status).toBe(202);
    const batchReused = await t.call('POST', '/v1/jobs/batch', {
      key: t.keys.dev,
      body: { jobs: [{ instance: 'echo-dev', operation: 'put', input: {} }] },
      headers: batchHeaders,
    });
    expect(batchReused).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_MISMATCH' } });
    // Scoped by API key: another key may use the same value.
    const other = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.narrow,
      body: { key: 'idem', value: 2 },
      headers,
    });
    expect(other.status).toBe(202);
  });

  it('requires an Idempotency-Key where configured (400 problem)', async () => {
    const strict = await startTestGateway(
      { idempotency: { require: 'always' } },
      { sql: t.gateway.sql, queue: new MemoryJobQueue() },
    );
    try {
      const missing = await strict.call('POST', '/v1/echo-dev/put', { key: strict.keys.dev, body: { key: 'r' } });
      expect(missing).toMatchObject({ status: 400, body: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });
      const ok = await strict.call('POST', '/v1/echo-dev/put', {
        key: strict.keys.dev,
        body: { key: 'r' },
        headers: { 'idempotency-key': 'req-1' },
      });
      expect(ok.status).toBe(202);
      const tooLong = await strict.call('POST', '/v1/echo-dev/put', {
        key: strict.keys.dev,
        body: { key: 'r' },
        headers: { 'idempotency-key': 'x'.repeat(256) },
      });
      expect(tooLong).toMatchObject({ status: 400, body: { code: 'IDEMPOTENCY_KEY_INVALID' } });
    } finally {
      await strict.close();
    }
  });

  it('answers 409 while a request with the same Idempotency-Key is in flight', async () => {
    const headers = { 'idempotency-key': 'slow-1' };
    const first = t.call('POST', '/v1/echo-dev/slow?wait=5s', { key: t.keys.dev, body: { ms: 1000 }, headers });
    // Wait until the first request holds the key, however slow the machine.
    await waitFor(async () => {
      const { rows } = await t.gateway.sql.query<{ state: string }>(
        "SELECT state FROM relaykit_idempotency WHERE key = 'slow-1'",
      );
      return rows[0]?.state === 'in_flight';
    }, 'the first request to hold the key');
    const second = await t.call('POST', '/v1/echo-dev/slow?wait=5s', { key: t.keys.dev, body: { ms: 1000 }, headers });
    expect(second).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_IN_FLIGHT' } });
    expect((await first).status).toBe(200);
  });

  it('submits a batch in one call', async () => {
    const res = await t.call('POST', '/v1/jobs/batch', {
      key: t.keys.dev,
      body: {
        jobs: Array.from({ length: 20 }, (_, i) => ({
          instance: 'echo-dev',
          operation: 'put',
          input: { key: `b${i}`, value: i },
        })),
      },
    });
    expect(res.status).toBe(202);
    expect(res.body.jobs).toHaveLength(20);
    for (const job of res.body.jobs) expect((await waitFinal(t, job.id)).status).toBe('succeeded');
    const bad = await t.call('POST', '/v1/jobs/batch', {
      key: t.keys.dev,
      body: {
        jobs: [
          { instance: 'echo-dev', operation: 'put', input: { key: 'ok' } },
          { instance: 'echo-dev', operation: 'put', input: {} },
        ],
      },
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION', errors: [{ path: 'jobs.1.input.key' }] } });
  });

  it('records a webhook before the 200 and processes a duplicate delivery once', async () => {
    const handshake = await t.call('GET', '/v1/webhooks/echo-dev?challenge=abc');
    expect(handshake).toMatchObject({ status: 200, body: 'abc' });
    const body = JSON.stringify({ events: [{ id: 'evt-1', text: 'hi' }] });
    const bad = await t.call('POST', '/v1/webhooks/echo-dev', {
      raw: body,
      headers: { 'x-signature': signEcho(body, 'wrong'), 'content-type': 'application/json' },
    });
    expect(bad).toMatchObject({ status: 401, body: { code: 'WEBHOOK_SIGNATURE' } });
    const first = await t.call('POST', '/v1/webhooks/echo-dev', {
      raw: body,
      headers: { 'x-signature': signEcho(body), 'content-type': 'application/json' },
    });
    const second = await t.call('POST', '/v1/webhooks/echo-dev', {
      raw: body,
      headers: { 'x-signature': signEcho(body), 'content-type': 'application/json' },
    });
    expect(first.body).toMatchObject({ received: 1, duplicates: 0 });
    expect(second.body).toMatchObject({ received: 1, duplicates: 1 });
    expect(second.body.jobs).toEqual(first.body.jobs);
    const job = await t.gateway.store.get(first.body.jobs[0]);
    expect(job?.kind).toBe('webhook');
    expect((await waitFinal(t, first.body.jobs[0])).status).toBe('succeeded');
    expect(t.upstream.writes.filter((w) => w.key === 'event:evt-1')).toHaveLength(1);
  });

  it('serves health, readiness, metrics and docs', async () => {
    expect((await t.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.call('GET', '/readyz', { key: t.keys.dev });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({
      database: { ok: true, engine: 'pglite' },
      queue: { ok: true, engine: 'memory' },
    });
    const metrics = await t.call('GET', '/metrics', { key: METRICS_TOKEN });
    expect(metrics.body).toMatch(
      /relaykit_http_requests_total\{route="\/v1\/:instance\/:operation",method="POST",status="202"\}/,
    );
    expect(metrics.body).toMatch(/relaykit_jobs_total\{instance="echo-dev",operation="put",outcome="succeeded"\}/);
    // The reference renders /openapi.json in the browser, from the package (no CDN); problem codes have a page.
    const docs = await t.call('GET', '/docs');
    expect(docs.body).not.toMatch(/https?:\/\//);
    expect((await t.call('GET', '/openapi.json', { key: t.keys.dev })).body.paths).toHaveProperty('/v1/echo-dev/put');
    expect((await t.call('GET', '/docs/problems')).body).toContain('id="problem-VALIDATION"');
  });

  it('writes an audit record for every call, payloads redacted', async () => {
    await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      body: {
        key: 'audit',
        email: 'sara.rahimi@example.org',
        value: {
          password: 'hunter2',
          note: 'call +977 984-1234567',
          message: { to: '+9779841234567', body: 'Your results are ready' },
        },
      },
    });
    const entries = await t.gateway.audit.recent(50);
    const entry = entries.find(
      (e) => e.path === '/v1/echo-dev/put' && (e.payload as { key?: string } | null)?.key === 'audit',
    );
    expect(entry).toMatchObject({ method: 'POST', status: 202, instance: 'echo-dev', operation: 'put' });
    expect(entry?.jobId).toMatch(/^job_/);
    expect(JSON.stringify(entry?.payload)).not.toContain('hunter2');
    // Personal data is masked too, not only secrets.
    expect(entry?.payload).toMatchObject({ email: '***@example.org' });
    expect(JSON.stringify(entry?.payload)).not.toMatch(/sara\.rahimi|984-1234567|9841234567|results are ready/);
    expect(entries.some((e) => e.status === 401)).toBe(true);
  });
});

describe('per-key rate limits', () => {
  let limited: TestGateway;
  // Shares the file's database (its own queue), so no second PGlite has to boot.
  beforeAll(async () => {
    limited = await startTestGateway(
      { apiKeys: { rateLimits: [{ limit: 3, window: '1m' }] } },
      { sql: t.gateway.sql, queue: new MemoryJobQueue() },
    );
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('sets RateLimit headers and refuses with 429 + Retry-After in problem+json', async () => {
    const ok = await limited.call('GET', '/v1/jobs/job_missing', { key: limited.keys.dev });
    expect(ok.status).toBe(404);
    expect(ok.headers.get('ratelimit-policy')).toMatch(/q=3/);
    expect(ok.headers.get('ratelimit')).toMatch(/r=\d+/);
    await limited.call('GET', '/v1/jobs/job_missing', { key: limited.keys.dev });
    await limited.call('GET', '/v1/jobs/job_missing', { key: limited.keys.dev });
    const refused = await limited.call('POST', '/v1/echo-dev/put', { key: limited.keys.dev, body: { key: 'r' } });
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMIT_EXCEEDED' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key has its own budget.
    expect(
      (await limited.call('POST', '/v1/echo-dev/put', { key: limited.keys.narrow, body: { key: 'r' } })).status,
    ).toBe(202);
  });
});

describe('the served OpenAPI document', () => {
  let doc: Record<string, any>;
  beforeAll(async () => {
    doc = (await t.call('GET', '/openapi.json', { key: t.keys.dev })).body;
  });

  it('is valid OpenAPI 3.1 for an independent validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it('describes every operation with request, responses, problem errors, security and examples', () => {
    const put = doc.paths['/v1/echo-dev/put'].post;
    expect(put.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/echo.put.Input' });
    expect(put.requestBody.content['application/json'].example).toEqual({ key: 'greeting', value: 'hello' });
    expect(Object.keys(put.responses)).toEqual(
      expect.arrayContaining([
        '200',
        '202',
        '400',
        '401',
        '403',
        '404',
        '405',
        '409',
        '413',
        '415',
        '422',
        '429',
        '500',
        '503',
      ]),
    );
    // The 503 the gateway really sends while shutting down comes with Retry-After.
    expect(put.responses['503'].headers['Retry-After']).toBeDefined();
    expect(doc.paths['/v1/jobs/batch'].post.responses['503']).toBeDefined();
    expect(put.responses['400'].content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
    expect(put.security).toEqual([{ apiKey: [] }]);
    expect(put.parameters.find((p: { name: string }) => p.name === 'Idempotency-Key').description).toMatch(
      /Internet-Draft/,
    );
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas['echo.put.Input'].properties.email).toMatchObject({
      type: 'string',
      format: 'email',
    });
    expect(doc.components.schemas['echo.put.Output'].required).toEqual(['stored', 'count']);
    expect(doc.paths['/v1/webhooks/echo-dev'].post).toBeDefined();
    expect(doc.paths['/v1/jobs/{id}'].get).toBeDefined();
  });

  it('generates a typed client (openapi-typescript + openapi-fetch) that works against the gateway', async () => {
    const types = astToString(await openapiTS(structuredClone(doc) as never));
    expect(types).toContain('"/v1/echo-dev/put"');
    const dir = await mkdtemp(join(process.cwd(), 'packages/gateway/.tmp-client-'));
    try {
      await writeFile(join(dir, 'api.d.ts'), types);
      await writeFile(
        join(dir, 'client.ts'),
        `import createClient from 'openapi-fetch';
import type { paths } from './api.js';
export async function use(baseUrl: string, key: string) {
  const client = createClient<paths>({ baseUrl, headers: { authorization: 'Bearer ' + key } });
  const { data, error } = await client.POST('/v1/echo-dev/put', { body: { key: 'typed', value: 1 } });
  if (error) throw new Error(error.code);
  const id: string = data.id;
  const job = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
  const status: 'queued' | 'active' | 'retrying' | 'succeeded' | 'failed' | 'dead' | 'cancelled' | undefined = job.data?.status;
  return status;
}
`,
      );
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: 'ESNext',
            moduleResolution: 'Bundler',
            target: 'ES2022',
            noEmit: true,
            skipLibCheck: true,
            types: [],
          },
          files: ['client.ts'],
        }),
      );
      // The generated types compile, and a client written against them typechecks...
      await run(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-p', dir]).catch(
        (e: { stdout?: string }) => {
          throw new Error(`generated client does not typecheck:\n${e.stdout}`);
        },
      );
      // ...and works against the running gateway.
      const generated = (await import(/* @vite-ignore */ join(dir, 'client.ts'))) as {
        use(baseUrl: string, key: string): Promise<string | undefined>;
      };
      expect(['queued', 'active', 'succeeded']).toContain(await generated.use(t.url, t.keys.dev));
      await expect(generated.use(t.url, `rk_000000000000_${'x'.repeat(43)}`)).rejects.toThrow('UNAUTHENTICATED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(t.upstream.writes.some((w) => w.key === 'typed')).toBe(true);
  }, 60_000);
});

describe('client mistakes are 4xx problems, never a 500', () => {
  const PROTO_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

  it('operations named like Object.prototype members are 404 on single submits and batches', async () => {
    for (const name of PROTO_NAMES) {
      const res = await t.call('POST', `/v1/echo-dev/${name}`, { key: t.keys.dev, body: {} });
      expect(res, name).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      expect(res.headers.get('content-type'), name).toMatch(/application\/problem\+json/);
      const batch = await t.call('POST', '/v1/jobs/batch', {
        key: t.keys.dev,
        body: { jobs: [{ instance: 'echo-dev', operation: name, input: {} }] },
      });
      expect(batch, name).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION', errors: [{ path: 'jobs.0.operation' }] },
      });
      const instance = await t.call('POST', `/v1/${name}/put`, { key: t.keys.dev, body: {} });
      expect(instance, name).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    }
  });

  it('webhooks named like Object.prototype members are 404', async () => {
    for (const name of PROTO_NAMES) {
      for (const method of ['GET', 'POST']) {
        const res = await t.call(
          method,
          `/v1/webhooks/echo-dev/${name}`,
          method === 'POST' ? { raw: '{}', headers: { 'content-type': 'application/json' } } : {},
        );
        expect(res, `${method} ${name}`).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      }
      expect((await t.call('POST', `/v1/webhooks/${name}`, { raw: '{}' })).status).toBe(404);
    }
  });

  it('authenticates before looking instances and operations up: no enumeration without a key', async () => {
    for (const path of ['/v1/nosuch/op', '/v1/echo-dev/nosuch', '/v1/echo-dev/put', '/v1/echo-dev/constructor']) {
      const anonymous = await t.call('POST', path, { body: {} });
      expect(anonymous, path).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const badKey = await t.call('POST', path, { key: `rk_aaaaaaaaaaaa_${'b'.repeat(43)}`, body: {} });
      expect(badKey.status, path).toBe(401);
    }
    // With a valid key the lookup happens and says what is missing.
    expect(await t.call('POST', '/v1/nosuch/op', { key: t.keys.dev, body: {} })).toMatchObject({
      status: 404,
      body: { detail: expect.stringContaining('nosuch') },
    });
  });

  it('a refused webhook handshake is problem+json with a stable code; the challenge echo stays as the connector wrote it', async () => {
    const ok = await t.call('GET', '/v1/webhooks/echo-dev?challenge=abc');
    expect(ok).toMatchObject({ status: 200, body: 'abc' });
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    const refused = await t.call('GET', '/v1/webhooks/echo-dev?challenge=abc&token=wrong');
    expect(refused).toMatchObject({
      status: 403,
      body: { code: 'WEBHOOK_VERIFICATION_FAILED', status: 403, type: '/docs#problem-WEBHOOK_VERIFICATION_FAILED' },
    });
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const docs = await t.call('GET', '/openapi.json', { key: t.keys.dev });
    const get = docs.body.paths['/v1/webhooks/echo-dev'].get;
    expect(get.responses['403'].content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });
});
