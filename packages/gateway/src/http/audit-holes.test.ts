import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test-support/harness.js';
import { auditHasNoHoles } from '../test-support/http/audit-holes.contract.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

describe('audit trail without holes (PGlite)', () => {
  auditHasNoHoles(() => t);
});

describe('an audit write that truly fails (PGlite)', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startTestGateway({ audit: { maxBacklog: 5 } });
  });
  afterAll(async () => {
    await g?.close();
  });

  it('keeps the entries and retries them; past the backlog limit /v1 calls are refused with 503, none skipped', async () => {
    const submit = (requestId: string) =>
      g.call('POST', '/v1/echo-dev/put', {
        key: g.keys.dev,
        body: { key: requestId },
        headers: { 'x-request-id': requestId },
      });
    await g.gateway.sql.query('ALTER TABLE relaykit_audit RENAME TO relaykit_audit_away');
    const accepted: string[] = [];
    let refused: Awaited<ReturnType<typeof submit>> | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      const res = await submit(`outage-${i}`);
      if (res.status === 503) refused = res;
      else {
        expect(res.status).toBe(202);
        accepted.push(`outage-${i}`);
        // The write fails (no table): the entries stay queued.
        await g.gateway.audit.flush();
      }
    }
    expect(refused).toMatchObject({ status: 503, body: { code: 'AUDIT_UNAVAILABLE' } });
    expect(refused!.headers.get('retry-after')).toBe('5');
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(g.gateway.audit.backlog).toBeGreaterThan(5);
    // Routes outside /v1 keep answering (health checks must see the gateway alive).
    expect((await g.call('GET', '/healthz')).status).toBe(200);

    await g.gateway.sql.query('ALTER TABLE relaykit_audit_away RENAME TO relaykit_audit');
    await g.gateway.audit.flush();
    expect(g.gateway.audit.backlog).toBe(0);
    const written = new Set((await g.gateway.audit.recent(500)).map((e) => e.requestId));
    for (const id of accepted) expect(written.has(id), id).toBe(true);
    expect((await submit('after-outage')).status).toBe(202);
  });
});
