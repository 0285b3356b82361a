import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEcho } from '../test-support/echo.js';
import { startTestGateway, type TestGateway } from '../test-support/harness.js';

// Requests an outsider can send that must end as 4xx problems (never a 500), on the embedded engines.
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

/** `{"key":"k","value":{"a":{"a":...}}}` nested `depth` levels deep. */
const deep = (depth: number) => `{"key":"k","value":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

describe('JSON nested deeper than the configured limit', () => {
  it('is a 400 JSON_TOO_DEEP on submits, batches and webhooks (not a RangeError 500)', async () => {
    const single = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: deep(5000),
      headers: { 'content-type': 'application/json' },
    });
    expect(single).toMatchObject({ status: 400, body: { code: 'JSON_TOO_DEEP', maxDepth: 64 } });
    expect(single.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const arrays = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: `{"key":"k","value":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(arrays).toMatchObject({ status: 400, body: { code: 'JSON_TOO_DEEP' } });
    const batch = await t.call('POST', '/v1/jobs/batch', {
      key: t.keys.dev,
      raw: `{"jobs":[{"instance":"echo-dev","operation":"put","input":${deep(5000)}}]}`,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'deep-batch' },
    });
    expect(batch).toMatchObject({ status: 400, body: { code: 'JSON_TOO_DEEP' } });
    const body = `{"events":[{"id":"deep","text":${deep(5000)}}]}`;
    const hook = await t.call('POST', '/v1/webhooks/echo-dev', {
      raw: body,
      headers: { 'content-type': 'application/json', 'x-signature': signEcho(body) },
    });
    expect(hook).toMatchObject({ status: 400, body: { code: 'JSON_TOO_DEEP' } });
  });

  it('counts only structure: brackets inside strings and escaped quotes do not add depth', async () => {
    const value = `"${'[{'.repeat(500)}\\"${'{'.repeat(500)}"`;
    const res = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: `{"key":"k","value":{"a":[${value}]}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    // 64 levels (the default limit) pass, 65 do not.
    const ok = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: deep(63),
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.status).toBe(202);
    const over = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: deep(64),
      headers: { 'content-type': 'application/json' },
    });
    expect(over).toMatchObject({ status: 400, body: { code: 'JSON_TOO_DEEP' } });
  });
});

describe('job ids that cannot be job ids', () => {
  it('are a 404 before any SQL runs (NUL, other junk)', async () => {
    for (const id of ['%00', 'job_%00', `job_${'a'.repeat(9)}%00${'b'.repeat(15)}`, '%E2%80%8B', 'x'.repeat(300)]) {
      const res = await t.call('GET', `/v1/jobs/${id}`, { key: t.keys.dev });
      expect(res, id).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    }
  });
});
describe('the batch envelope', () => {
  it('is validated before its fields are touched: objects where strings belong are a 400', async () => {
    for (const job of [
      { instance: { toString: 1 }, operation: 'put', input: {} },
      { instance: 'echo-dev', operation: { toString: 1 }, input: {} },
      { instance: { toString: 1, valueOf: 1 }, operation: { toString: 1 }, input: {} },
    ]) {
      const res = await t.call('POST', '/v1/jobs/batch', {
        key: t.keys.dev,
        body: { jobs: [job] },
        headers: { 'idempotency-key': `env-${Math.random()}` },
      });
      expect(res, JSON.stringify(job)).toMatchObject({ status: 400, body: { code: 'VALIDATION' } });
      expect(res.body.errors[0].path).toMatch(/^jobs\.0\.(instance|operation)$/);
    }
    for (const body of [null, [], 'jobs', { jobs: {} }, { jobs: [] }, { jobs: [null] }, { jobs: [1] }]) {
      const res = await t.call('POST', '/v1/jobs/batch', {
        key: t.keys.dev,
        raw: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'idempotency-key': `env-${Math.random()}` },
      });
      expect(res, JSON.stringify(body)).toMatchObject({ status: 400, body: { code: 'VALIDATION' } });
    }
  });
});

describe('webhooks', () => {
  const body = JSON.stringify({ events: [{ id: 'media-1', text: 'hi' }] });

  it('a validly signed body that is not application/json is a 415 before parsing, and nothing is stored', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const res = await t.call('POST', '/v1/webhooks/echo-dev', {
        raw: body,
        headers: { 'x-signature': signEcho(body), ...(type ? { 'content-type': type } : {}) },
      });
      expect(res, type).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    const { rows } = await t.gateway.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM relaykit_jobs WHERE dedupe_key = 'events:media-1'",
    );
    expect(rows[0]!.n).toBe(0);
    const json = await t.call('POST', '/v1/webhooks/echo-dev', {
      raw: body,
      headers: { 'x-signature': signEcho(body), 'content-type': 'application/json; charset=utf-8' },
    });
    expect(json.status).toBe(200);
  });

  it('the handshake echo (attacker-chosen text) and every other answer carry X-Content-Type-Options: nosniff', async () => {
    const echo = await t.call('GET', `/v1/webhooks/echo-dev?challenge=${encodeURIComponent('<script>x</script>')}`);
    expect(echo.status).toBe(200);
    expect(echo.headers.get('x-content-type-options')).toBe('nosniff');
    for (const [method, path] of [
      ['GET', '/healthz'],
      ['GET', '/nosuch'],
      ['GET', '/docs'],
      ['POST', '/v1/echo-dev/put'],
    ] as const) {
      const res = await t.call(method, path, { key: t.keys.dev, ...(method === 'POST' ? { body: {} } : {}) });
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});
