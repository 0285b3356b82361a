import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@relaykit/testkit';
import { startTestGateway, type TestGateway } from '../test-support/harness.js';

const servers = sharedServers();

describe('/v1/admin/keys', () => {
  let t: TestGateway;
  let admin: string;
  beforeAll(async () => {
    t = await startTestGateway();
    admin = (await t.gateway.keys.create({ name: 'admin', environment: 'development', scopes: ['admin:keys'] })).secret;
  });
  afterAll(async () => {
    await t.close();
  });

  it('needs a key with admin:keys ("*" names instances, not administration)', async () => {
    expect((await t.call('GET', '/v1/admin/keys')).status).toBe(401);
    const wide = await t.call('GET', '/v1/admin/keys', { key: t.keys.dev });
    expect(wide.status).toBe(403);
    expect(wide.body).toMatchObject({ code: 'FORBIDDEN_SCOPE' });
    expect(wide.body.detail).toMatch(/admin:keys/);
    // Reading the operator API is not managing keys.
    const reader = (await t.gateway.keys.create({ name: 'r', environment: 'development', scopes: ['admin:read'] }))
      .secret;
    expect((await t.call('GET', '/v1/admin/keys', { key: reader })).status).toBe(403);
    expect((await t.call('POST', '/v1/admin/keys/x/rotate', { key: reader, body: {} })).status).toBe(403);
    // The admin key is no key for operations either.
    expect((await t.call('POST', '/v1/echo-dev/put', { key: admin, body: { key: 'x' } })).status).toBe(403);
  });

  it('creates, lists and revokes keys of its own environment, effective at once', async () => {
    const created = await t.call('POST', '/v1/admin/keys', {
      key: admin,
      body: { name: 'app', scopes: ['echo-dev:put'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatchObject({ name: 'app', environment: 'development', scopes: ['echo-dev:put'] });
    expect(created.headers.get('location')).toBe(`/v1/admin/keys/${created.body.key.id}`);
    const secret = created.body.secret as string;
    expect((await t.call('POST', '/v1/echo-dev/put?wait=5s', { key: secret, body: { key: 'a' } })).status).toBe(200);

    const listed = await t.call('GET', '/v1/admin/keys', { key: admin });
    expect(listed.status).toBe(200);
    const ids = (listed.body.keys as Array<{ id: string; environment: string }>).map((k) => k.environment);
    expect(new Set(ids)).toEqual(new Set(['development'])); // not the production key
    expect(JSON.stringify(listed.body)).not.toContain('rk_');

    const revoked = await t.call('DELETE', `/v1/admin/keys/${created.body.key.id}`, { key: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.key.revokedAt).toEqual(expect.any(String));
    expect((await t.call('POST', '/v1/echo-dev/put', { key: secret, body: { key: 'b' } })).status).toBe(401);
    expect((await t.call('DELETE', `/v1/admin/keys/${created.body.key.id}`, { key: admin })).status).toBe(404);
  });

  it('rotates a key: the new secret works at once, the old one for the grace period only, then 401', async () => {
    const created = await t.call('POST', '/v1/admin/keys', {
      key: admin,
      body: { name: 'rot', scopes: ['echo-dev:*'] },
    });
    const id = created.body.key.id as string;
    const old = created.body.secret as string;
    const probe = async (secret: string) => (await t.call('GET', '/v1/jobs/none', { key: secret })).status;
    expect(await probe(old)).toBe(404);
    const requested = Date.now();
    const rotated = await t.call('POST', `/v1/admin/keys/${id}/rotate`, { key: admin, body: { graceSeconds: 1 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).toMatchObject({ id, name: 'rot', scopes: ['echo-dev:*'], rotatedAt: expect.any(String) });
    expect(Date.parse(rotated.body.key.previousValidUntil)).toBeGreaterThan(Date.now());
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(new RegExp(`^rk_${id}_`));
    expect(fresh).not.toBe(old);
    expect(await probe(fresh)).toBe(404);
    expect(await probe(old)).toBe(404); // within the grace period
    await waitFor(async () => (await probe(old)) === 401, 'the old secret refused', { timeoutMs: 5000 });
    // Not before the grace period ended (1 s), and soon after it.
    expect(Date.now() - requested).toBeGreaterThanOrEqual(950);
    expect(await probe(fresh)).toBe(404);
    // Without a grace period the old secret is refused at once; the audit names the rotation.
    const again = await t.call('POST', `/v1/admin/keys/${id}/rotate`, { key: admin, body: {} });
    expect(again.status).toBe(200);
    expect(again.body.key.previousValidUntil).toBeNull();
    expect(await probe(fresh)).toBe(401);
    expect(await probe(again.body.secret)).toBe(404);
    expect(JSON.stringify(again.body.key)).not.toContain('rk_');
    const audit = (await t.gateway.audit.recent(50)).find((e) => e.operation === 'admin:keys.rotate');
    expect(audit?.payload).toMatchObject({ id, graceSeconds: 0 }); // the newest: the second rotation
  });

  it('refuses bad rotations: wrong types, out of range, unknown, revoked or another environment’s key', async () => {
    const created = await t.call('POST', '/v1/admin/keys', { key: admin, body: { name: 'r2' } });
    const id = created.body.key.id as string;
    for (const body of [
      { graceSeconds: 'x' },
      { graceSeconds: -1 },
      { graceSeconds: 1.5 },
      { graceSeconds: 10 ** 9 },
      { other: 1 },
    ]) {
      const res = await t.call('POST', `/v1/admin/keys/${id}/rotate`, { key: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (
        await t.call('POST', `/v1/admin/keys/${id}/rotate`, {
          key: admin,
          raw: '{"graceSeconds":',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect((await t.call('POST', '/v1/admin/keys/nope/rotate', { key: admin, body: {} })).status).toBe(404);
    const prodKey = (await t.gateway.keys.list()).find((k) => k.environment === 'production')!;
    expect((await t.call('POST', `/v1/admin/keys/${prodKey.id}/rotate`, { key: admin, body: {} })).status).toBe(404);
    expect((await t.call('DELETE', `/v1/admin/keys/${id}`, { key: admin })).status).toBe(200);
    expect((await t.call('POST', `/v1/admin/keys/${id}/rotate`, { key: admin, body: {} })).status).toBe(404);
    expect((await t.call('POST', `/v1/admin/keys/${id}/rotate`, { key: t.keys.dev, body: {} })).status).toBe(403);
  });

  it('lists when each key was last used, written at most once a minute per key', async () => {
    const created = await t.call('POST', '/v1/admin/keys', { key: admin, body: { name: 'used' } });
    const id = created.body.key.id as string;
    const lastUsed = async () =>
      (
        (await t.call('GET', '/v1/admin/keys', { key: admin })).body.keys as Array<{
          id: string;
          lastUsedAt: string | null;
        }>
      ).find((k) => k.id === id)!.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    const statements: string[] = [];
    const query = t.gateway.sql.query.bind(t.gateway.sql);
    t.gateway.sql.query = ((text: string, params?: unknown[]) => {
      if (/last_used_at = now\(\)/.test(text)) statements.push(text);
      return query(text, params);
    }) as typeof t.gateway.sql.query;
    try {
      for (let i = 0; i < 20; i++) await t.call('GET', '/v1/jobs/none', { key: created.body.secret });
      const first = await waitFor(lastUsed, 'the last use recorded', { timeoutMs: 5000 });
      expect(Math.abs(Date.parse(first) - Date.now())).toBeLessThan(60_000);
      // 20 uses, one write.
      expect(statements).toHaveLength(1);
      for (let i = 0; i < 5; i++) await t.call('GET', '/v1/jobs/none', { key: created.body.secret });
      expect(await lastUsed()).toBe(first);
      expect(statements).toHaveLength(1);
    } finally {
      t.gateway.sql.query = query;
    }
  });

  it('refuses bad scopes with each listed, another environment, and unknown ids', async () => {
    const bad = await t.call('POST', '/v1/admin/keys', { key: admin, body: { scopes: ['a:b:c', '*:x', 'ok'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { path: 'scopes.0', message: 'invalid scope "a:b:c"' },
      { path: 'scopes.1', message: 'invalid scope "*:x"' },
    ]);
    const shape = await t.call('POST', '/v1/admin/keys', { key: admin, body: { scopes: 'x', extra: 1 } });
    expect(shape.status).toBe(400);
    const other = await t.call('POST', '/v1/admin/keys', { key: admin, body: { environment: 'production' } });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ code: 'FORBIDDEN_ENVIRONMENT' });
    const prodKey = (await t.gateway.keys.list()).find((k) => k.environment === 'production')!;
    expect((await t.call('DELETE', `/v1/admin/keys/${prodKey.id}`, { key: admin })).status).toBe(404);
    expect((await t.call('DELETE', '/v1/admin/keys/nope', { key: admin })).status).toBe(404);
  });
});

describe.skipIf(!servers.postgresUrl)('rotation across gateways sharing PostgreSQL', () => {
  it('refuses the replaced secret on the other gateway within ~1 s of the grace period’s end', async () => {
    const database = { url: await servers.freshDatabase() };
    const a = await startTestGateway({ database });
    const b = await startTestGateway({ database });
    try {
      const admin = (await a.gateway.keys.create({ name: 'admin', environment: 'development', scopes: ['admin:keys'] }))
        .secret;
      const created = await a.call('POST', '/v1/admin/keys', { key: admin, body: { name: 'shared' } });
      const old = created.body.secret as string;
      const probe = async (g: TestGateway, secret: string) =>
        (await g.call('GET', '/v1/jobs/none', { key: secret })).status;
      expect(await probe(b, old)).toBe(404); // cached on b now
      const rotated = await a.call('POST', `/v1/admin/keys/${created.body.key.id}/rotate`, {
        key: admin,
        body: { graceSeconds: 0 },
      });
      const at = Date.now();
      expect(await probe(a, old)).toBe(401);
      expect(await probe(b, rotated.body.secret)).toBe(404);
      await waitFor(async () => (await probe(b, old)) === 401, 'b refuses the old secret', { timeoutMs: 5000 });
      expect(Date.now() - at).toBeLessThanOrEqual(1500);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.skipIf(!servers.postgresUrl)('revocation across gateways sharing PostgreSQL', () => {
  it('holds within ~1 s on the gateway that did not revoke (its key cache expires)', async () => {
    const database = { url: await servers.freshDatabase() };
    const a = await startTestGateway({ database });
    const b = await startTestGateway({ database });
    try {
      const admin = (await a.gateway.keys.create({ name: 'admin', environment: 'development', scopes: ['admin:keys'] }))
        .secret;
      const created = await a.call('POST', '/v1/admin/keys', { key: admin, body: { name: 'shared' } });
      const secret = created.body.secret as string;
      const probe = async (g: TestGateway) => (await g.call('GET', '/v1/jobs/none', { key: secret })).status;
      // A key made on one gateway is accepted by the other at once (misses are not cached); both caches now hold it.
      expect(await probe(b)).toBe(404);
      expect(await probe(a)).toBe(404);
      expect((await a.call('DELETE', `/v1/admin/keys/${created.body.key.id}`, { key: admin })).status).toBe(200);
      const revokedAt = Date.now();
      expect(await probe(a)).toBe(401);
      const { refusedAfter } = await waitFor(
        async () => (await probe(b)) === 401 && { refusedAfter: Date.now() - revokedAt },
        'the other gateway to refuse the revoked key',
        { timeoutMs: 5000, intervalMs: 20 },
      );
      // The documented bound is the 1 s cache; the margin covers a busy machine's request latency.
      expect(refusedAfter).toBeLessThanOrEqual(1500);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
