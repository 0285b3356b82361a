import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, startPrivacyGateway } from '../test-support/privacy/scenario.js';

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

describe('every route that hands out stored personal data audits the read', () => {
  let t: T;
  let jobId: string;
  beforeAll(async () => {
    t = await startPrivacyGateway();
    jobId = await message(t, { to: '+9779841234567', name: 'Sita Rai' }, { 'idempotency-key': 'read-1' });
  });
  afterAll(() => t?.close());

  const routes: Array<{ name: string; call: (t: T) => ReturnType<T['call']>; reads: string[] }> = [
    {
      name: 'GET /v1/jobs/{id}',
      call: (t) => t.call('GET', `/v1/jobs/${jobId}`, { key: t.keys.dev, headers: hdr }),
      reads: ['job.result'],
    },
    {
      name: 'POST /v1/{instance}/{operation}?wait=',
      call: (t) =>
        t.call('POST', '/v1/school/message?wait=5s', { key: t.keys.dev, body: { to: '+9779800000001' }, headers: hdr }),
      reads: ['job.result'],
    },
    {
      name: 'an Idempotency-Key replay',
      call: (t) =>
        t.call('POST', '/v1/school/message', {
          key: t.keys.dev,
          body: { to: '+9779841234567', name: 'Sita Rai' },
          headers: { ...hdr, 'idempotency-key': 'read-1' },
        }),
      reads: ['idempotency.response'],
    },
    {
      name: 'POST /v1/privacy/access',
      call: (t) =>
        t.call('POST', '/v1/privacy/access', { key: t.dpo, body: { phones: ['+9779841234567'] }, headers: hdr }),
      reads: ['job.input', 'job.result'],
    },
  ];
  const hdr = { 'x-purpose': 'guardian asked by phone (ticket 42)' };

  for (const route of routes)
    it(route.name, async () => {
      const res = await route.call(t);
      expect(res.status).toBeLessThan(300);
      const requestId = res.headers.get('x-request-id');
      await t.gateway.audit.flush();
      const entry = (await t.gateway.audit.recent(500)).find((e) => e.requestId === requestId && e.reads);
      expect(entry).toMatchObject({ purpose: hdr['x-purpose'], apiKeyId: expect.any(String) });
      expect(entry?.reads).toEqual(expect.arrayContaining(route.reads));
      expect(new Date(entry!.at as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    });

  it('a refused read is audited without reads', async () => {
    const res = await t.call('GET', '/v1/jobs/job_00000000000000000000000000', { key: t.keys.dev, headers: hdr });
    expect(res.status).toBe(404);
    await t.gateway.audit.flush();
    const entry = (await t.gateway.audit.recent(500)).find((e) => e.requestId === res.headers.get('x-request-id'));
    expect(entry).toMatchObject({ status: 404, reads: null, purpose: hdr['x-purpose'] });
  });
});
