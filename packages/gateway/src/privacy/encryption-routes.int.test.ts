import { generateKey } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryJobQueue } from '../queue/memory.js';
import { startTestGateway, type TestGateway, waitFinal } from '../test-support/harness.js';

// Key rotation through the operator API: rows sealed with k1 by one gateway; a gateway configured with k2 as the
// primary re-seals them in the background, shows progress, and leaves nothing needing k1.
describe('operator routes for key rotation (/v1/admin/encryption)', () => {
  const k1 = generateKey();
  const k2 = generateKey();
  let before: TestGateway;
  let after: TestGateway;
  let dpo = '';
  const ids: string[] = [];

  beforeAll(async () => {
    before = await startTestGateway({ encryption: { keys: [{ id: 'k1', key: k1 }] } });
    for (let i = 0; i < 12; i++) {
      const res = await before.call('POST', '/v1/echo-dev/put', { key: before.keys.dev, body: { key: `r${i}` } });
      ids.push(res.body.id);
    }
    for (const id of ids) await waitFinal(before, id);
    after = await startTestGateway(
      {
        encryption: {
          keys: [
            { id: 'k1', key: k1 },
            { id: 'k2', key: k2 },
          ],
          primary: 'k2',
        },
      },
      { sql: before.gateway.sql, queue: new MemoryJobQueue() },
    );
    dpo = (await after.gateway.keys.create({ name: 'dpo', environment: 'development', scopes: ['admin:privacy'] }))
      .secret;
  }, 120_000);
  afterAll(async () => {
    await after?.close();
    await before?.close();
  });

  it('needs admin:privacy', async () => {
    const reader = (await after.gateway.keys.create({ name: 'r', environment: 'development', scopes: ['admin:read'] }))
      .secret;
    expect((await after.call('GET', '/v1/admin/encryption', { key: reader })).status).toBe(403);
    expect((await after.call('POST', '/v1/admin/encryption/rotate', { key: reader, body: {} })).status).toBe(403);
  });

  it('re-seals every k1 row with k2 in the background, with progress, and nothing is left needing k1', async () => {
    const start = await after.call('GET', '/v1/admin/encryption', { key: dpo });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ primary: 'k2', pending: ['k1'], rotation: null });
    expect(start.body.keys.k1).toBeGreaterThanOrEqual(ids.length * 2);

    const started = await after.call('POST', '/v1/admin/encryption/rotate', { key: dpo, body: { batch: 5 } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ target: 'k2', error: null });
    const done = await waitFor(async () => {
      const s = await after.call('GET', '/v1/admin/encryption', { key: dpo });
      return s.body.rotation?.state === 'done' ? s.body : undefined;
    }, 'the rotation to finish');
    expect(done.pending).toEqual([]);
    expect(done.keys.k1).toBeUndefined();
    // Every k1 row now on k2, beside what this gateway sealed with k2 meanwhile (the audit of these very calls).
    expect(done.keys.k2).toBeGreaterThanOrEqual(start.body.keys.k1);
    expect(done.rotation.rotated).toBe(start.body.keys.k1);

    // Every row still reads, now through k2.
    for (const [i, id] of ids.entries()) {
      expect((await after.gateway.store.get(id))?.input).toEqual({ key: `r${i}` });
      const job = await after.call('GET', `/v1/jobs/${id}`, { key: after.keys.dev });
      expect(job.body).toMatchObject({ status: 'succeeded', result: expect.anything() });
    }
    const { rows } = await after.gateway.sql.query<{ input: string }>('SELECT input FROM relaykit_jobs WHERE id = $1', [
      ids[0],
    ]);
    expect(rows[0]!.input.startsWith('enc:rk1.k2.')).toBe(true);

    await after.gateway.audit.flush();
    const audit = await after.gateway.sql.query<{ operation: string; status: number }>(
      "SELECT operation, status FROM relaykit_audit WHERE operation LIKE '%encryption.rotate'",
    );
    // The refused attempt of the reader (403) and the rotation started (202).
    expect(audit.rows.map((r) => r.status).sort()).toEqual([202, 403]);
  });

  it('refuses with 409 where encryption is off', async () => {
    const plain = await startTestGateway({}, {});
    try {
      const key = (
        await plain.gateway.keys.create({ name: 'd', environment: 'development', scopes: ['admin:privacy'] })
      ).secret;
      const res = await plain.call('POST', '/v1/admin/encryption/rotate', { key, body: {} });
      expect(res).toMatchObject({ status: 409, body: { code: 'ENCRYPTION_NOT_CONFIGURED' } });
    } finally {
      await plain.close();
    }
  });
});
