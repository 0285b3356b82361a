import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { waitFinal, type TestGateway } from '../harness.js';

/**
 * An audit an attacker can switch off is no audit: a NUL or a lone surrogate in a body (which
 * PostgreSQL's jsonb and text cannot hold) must still leave its row, with the payload readable back
 * as it was sent. Shared by the PGlite and PostgreSQL suites.
 */
export function auditHasNoHoles(gateway: () => TestGateway) {
  it('50 bodies holding NUL or lone surrogates → 50 audit rows, payloads faithful, jobs stored as sent', async () => {
    const t = gateway();
    const run = randomUUID().slice(0, 8);
    const values = ['a\u0000b', '\ud800', 'x\udfffy', '\u0000', 'pair 😀 then lone \udbff', '\\u0000 literal'];
    const sent: Array<{ requestId: string; body: Record<string, unknown>; status: number; jobId?: string }> = [];
    for (let i = 0; i < 50; i++) {
      const value = values[i % values.length]!;
      // Keys can hold them too.
      const body = { key: `k${i}`, value: { [`f\u0000${i % 3}`]: value, list: [value, i] } };
      const requestId = `${run}-${i}`;
      const res = await t.call('POST', '/v1/echo-dev/put', {
        key: t.keys.dev,
        raw: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      });
      expect(res.status, requestId).toBe(202);
      sent.push({ requestId, body, status: res.status, jobId: res.body.id });
    }
    await t.gateway.audit.flush();
    const rows = (await t.gateway.audit.recent(2000)).filter((e) => e.requestId.startsWith(`${run}-`));
    expect(rows).toHaveLength(50);
    for (const s of sent) {
      const row = rows.find((r) => r.requestId === s.requestId);
      expect(row, s.requestId).toMatchObject({ status: 202, jobId: s.jobId, instance: 'echo-dev', operation: 'put' });
      expect(row!.payload, s.requestId).toEqual(s.body);
      const job = await t.gateway.store.get(s.jobId!);
      expect(job?.input, s.requestId).toEqual(s.body);
    }
  });

  it('a payload shaped like the escape wrapper round-trips as itself', async () => {
    const t = gateway();
    const requestId = `wrap-${randomUUID().slice(0, 8)}`;
    const body = { $rkjson: '{"key":"forged"}' };
    await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    });
    await t.gateway.audit.flush();
    const row = (await t.gateway.audit.recent(500)).find((e) => e.requestId === requestId);
    expect(row?.payload).toEqual(body);
  });

  it('a NUL or lone surrogate in a job error or a stored idempotent response is kept too', async () => {
    const t = gateway();
    const failed = await t.call('POST', '/v1/echo-dev/fail', { key: t.keys.dev, body: { reason: 'bad\u0000\ud800' } });
    expect(failed.status).toBe(202);
    const job = await waitFinal(t, failed.body.id);
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'UPSTREAM_REJECTED', message: 'rejected: bad\u0000\ud800' },
    });
    const headers = { 'idempotency-key': `nul-${randomUUID()}` };
    const body = { key: 'k\u0000\udc00' };
    const first = await t.call('POST', '/v1/echo-dev/put?wait=10s', { key: t.keys.dev, body, headers });
    expect(first).toMatchObject({ status: 200, body: { status: 'succeeded', result: { stored: body.key } } });
    const replay = await t.call('POST', '/v1/echo-dev/put?wait=10s', { key: t.keys.dev, body, headers });
    expect(replay).toMatchObject({ status: 200, body: { id: first.body.id, result: { stored: body.key } } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });
}
