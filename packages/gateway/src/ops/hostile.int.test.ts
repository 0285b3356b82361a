import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../test-support/harness.js';
import { BACKENDS, operatorKeys } from '../test-support/ops/backends.js';

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Requests no client mistake may turn into a 500: each must get the status given. */
const CASES: Array<[string, string, unknown, number]> = [
  ['GET', '/v1/admin/jobs?cursor=garbage', undefined, 400],
  ['GET', `/v1/admin/jobs?cursor=${cursorOf(['2026-13-01 00:00:00.000000+00', 'job_x'])}`, undefined, 400],
  ['GET', `/v1/admin/jobs?cursor=${cursorOf(['2026-02-30 10:00:00.000000+00', 'job_x'])}`, undefined, 400],
  ['GET', `/v1/admin/jobs?cursor=${cursorOf(['2026-02-03 10:00:00.000000+00', "x'; drop"])}`, undefined, 400],
  ['GET', `/v1/admin/jobs?cursor=${cursorOf({ at: 1 })}`, undefined, 400],
  ['GET', `/v1/admin/jobs?cursor=${'A'.repeat(600)}`, undefined, 400],
  ['GET', '/v1/admin/jobs?limit=0', undefined, 400],
  ['GET', '/v1/admin/jobs?limit=201', undefined, 400],
  ['GET', '/v1/admin/jobs?limit=1000000000000', undefined, 400],
  ['GET', '/v1/admin/jobs?limit=abc', undefined, 400],
  ['GET', '/v1/admin/jobs?limit=1.5', undefined, 400],
  ['GET', '/v1/admin/jobs?limit=5&limit=6', undefined, 400],
  ['GET', '/v1/admin/jobs?status=bogus', undefined, 400],
  ['GET', '/v1/admin/jobs?from=yesterday', undefined, 400],
  ['GET', '/v1/admin/jobs?to=2026-02-30T00:00:00Z', undefined, 400],
  ['GET', `/v1/admin/jobs?q=${'a'.repeat(201)}`, undefined, 400],
  ['GET', '/v1/admin/jobs?q=a%00b', undefined, 400],
  ['GET', '/v1/admin/jobs?instance=%00', undefined, 400],
  ['GET', '/v1/admin/jobs?q=%25%5C_%27', undefined, 200],
  // A malformed escape is kept as text by the query parser: a search, not an error.
  ['GET', '/v1/admin/jobs?q=%E0%A4%A', undefined, 200],
  ['GET', '/v1/admin/jobs/job%00x', undefined, 400],
  ['GET', '/v1/admin/jobs/not-a-job', undefined, 404],
  ['GET', `/v1/admin/jobs/${'j'.repeat(300)}`, undefined, 400],
  ['GET', '/v1/admin/jobs/job_00000000000000000000000000?reveal=yes', undefined, 400],
  ['POST', '/v1/admin/jobs/job_00000000000000000000000000/cancel', undefined, 404],
  ['POST', '/v1/admin/jobs/%27%3B/retry', undefined, 404],
  ['POST', '/v1/admin/jobs/retry', { filter: { status: 'failed' } }, 400],
  ['POST', '/v1/admin/jobs/retry', { filter: {}, dryRun: 'yes' }, 400],
  ['POST', '/v1/admin/jobs/retry', { filter: {}, extra: 1 }, 400],
  ['POST', '/v1/admin/jobs/retry', [], 400],
  ['POST', '/v1/admin/jobs/retry', null, 400],
  ['POST', '/v1/admin/jobs/retry', { filter: { environment: 'production' }, dryRun: true }, 403],
  ['POST', '/v1/admin/jobs/retry', { filter: { q: 'a\u0000' } }, 400],
  ['GET', '/v1/admin/dead-letters?kind=x', undefined, 400],
  ['GET', '/v1/admin/dead-letters?cursor=%00', undefined, 400],
  ['POST', '/v1/admin/dead-letters/replay', { ids: Array.from({ length: 101 }, (_, i) => `j${i}`) }, 400],
  ['POST', '/v1/admin/dead-letters/replay', { ids: [123] }, 400],
  ['POST', '/v1/admin/dead-letters/replay', { ids: [] }, 400],
  ['POST', '/v1/admin/dead-letters/replay', { ids: ['sdl_99999999999999999999', 'sdl_0', 'sdl_-1'] }, 200],
  ['POST', '/v1/admin/dead-letters/discard', { ids: ['x'] }, 400],
  ['POST', '/v1/admin/dead-letters/discard', { ids: ['x'], note: 'n'.repeat(2001) }, 400],
  ['GET', '/v1/admin/errors/zz', undefined, 404],
  ['GET', '/v1/admin/errors?status=closed', undefined, 400],
  ['GET', '/v1/admin/errors?cursor=e30', undefined, 400],
  ['POST', `/v1/admin/errors/${'0'.repeat(32)}/status`, { status: 'closed' }, 400],
  ['POST', `/v1/admin/errors/${'0'.repeat(32)}/status`, { status: 'resolved' }, 404],
];

describe.each(BACKENDS)('operator API hostile input ($name)', (backend) => {
  let t: TestGateway;
  let admin: string;
  beforeAll(async () => {
    t = await backend.start();
    admin = (await operatorKeys(t)).admin;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it.each(CASES)('%s %s %j → %i', async (method, path, body, status) => {
    const res = await t.call(method, path, { key: admin, ...(body === undefined ? {} : { body }) });
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (status >= 400) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toEqual(expect.any(String));
    }
  });

  it('refuses a non-JSON body with 415 and malformed JSON with 400', async () => {
    const text = await t.call('POST', '/v1/admin/jobs/retry', {
      key: admin,
      raw: 'filter=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const bad = await t.call('POST', '/v1/admin/jobs/retry', {
      key: admin,
      raw: '{"filter":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('MALFORMED_JSON');
  });
});
