import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/harness.js';

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
      let refusedAfter: number | undefined;
      while (Date.now() - revokedAt < 5000) {
        if ((await probe(b)) === 401) {
          refusedAfter = Date.now() - revokedAt;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(refusedAfter).toBeDefined();
      // The documented bound is the 1 s cache; the margin covers a busy machine's request latency.
      expect(refusedAfter!).toBeLessThanOrEqual(1500);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
