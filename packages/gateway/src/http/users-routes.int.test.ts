import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test-support/harness.js';

/** Logs in and returns a caller that sends the cookie and the CSRF token. */
async function session(t: TestGateway, name: string, password: string) {
  const res = await t.call('POST', '/v1/admin/login', { body: { name, password } });
  if (res.status !== 200) throw new Error(`login ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = res.body.csrfToken as string;
  return (method: string, path: string, body?: unknown, withCsrf = true) =>
    t.call(method, path, { body, headers: { cookie, ...(withCsrf ? { 'x-csrf-token': csrf } : {}) } });
}

describe('console user management (/v1/admin/users)', () => {
  let t: TestGateway;
  let adminKey: string;
  beforeAll(async () => {
    t = await startTestGateway();
    await t.gateway.users.create({
      name: 'root',
      password: 'root password',
      role: 'admin',
      environment: 'development',
    });
    await t.gateway.users.create({ name: 'op', password: 'op password', role: 'operator', environment: 'development' });
    await t.gateway.users.create({ name: 'far', password: 'far password', role: 'admin', environment: 'production' });
    adminKey = (await t.gateway.keys.create({ name: 'ops', environment: 'development', scopes: ['admin:users'] }))
      .secret;
  });
  afterAll(() => t?.close());

  it('lets an admin session add, list, change and remove users of its environment', async () => {
    const root = await session(t, 'root', 'root password');
    const created = await root('POST', '/v1/admin/users', { name: 'Vera', password: 'vera password', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ name: 'Vera', role: 'viewer', permissions: ['admin:read'] });
    expect(created.body.user).not.toHaveProperty('passwordHash');

    const dup = await root('POST', '/v1/admin/users', { name: 'vera', password: 'other password', role: 'admin' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('USER_EXISTS');

    const list = await root('GET', '/v1/admin/users');
    expect(list.body.users.map((u: { name: string }) => u.name)).toEqual(['op', 'root', 'Vera']);

    const vera = await session(t, 'vera', 'vera password');
    expect((await vera('GET', '/v1/admin/me')).status).toBe(200);
    const id = created.body.user.id;
    const promoted = await root('PATCH', `/v1/admin/users/${id}`, { role: 'operator' });
    expect(promoted.body.user.permissions).toEqual(['admin:read', 'admin:operate']);
    // A role change ends the user's sessions.
    expect((await vera('GET', '/v1/admin/me')).status).toBe(401);

    expect((await root('DELETE', `/v1/admin/users/${id}`)).status).toBe(200);
    // Every console action is audited with the user who did it.
    const rootId = (await t.gateway.users.credentials('root'))!.id;
    await waitFor(async () => {
      const entries = await t.gateway.audit.recent(100);
      return ['admin:createUser', 'admin:updateUser', 'admin:deleteUser'].every((operation) =>
        entries.some(
          (e) =>
            e.operation === operation &&
            (e as { actor?: string | null }).actor === `user:${rootId}` &&
            e.environment === 'development',
        ),
      );
    }, 'the audited user actions');
    expect(
      (await t.call('POST', '/v1/admin/login', { body: { name: 'vera', password: 'vera password' } })).status,
    ).toBe(401);
  });

  it('refuses users without admin:users, without CSRF, and across environments', async () => {
    const op = await session(t, 'op', 'op password');
    const refused = await op('GET', '/v1/admin/users');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN_SCOPE');

    const root = await session(t, 'root', 'root password');
    const noCsrf = await root('POST', '/v1/admin/users', { name: 'x1', password: 'xxxxxxxx', role: 'viewer' }, false);
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('CSRF_TOKEN_INVALID');
    expect(await t.gateway.users.credentials('x1')).toBeUndefined();

    const far = (await t.gateway.users.credentials('far'))!;
    expect((await root('DELETE', `/v1/admin/users/${far.id}`)).status).toBe(404);
    const self = (await t.gateway.users.credentials('root'))!;
    expect((await root('DELETE', `/v1/admin/users/${self.id}`)).status).toBe(400);
    expect((await root('PATCH', `/v1/admin/users/${self.id}`, { role: 'viewer' })).status).toBe(400);
  });

  it('serves an API key with admin:users without any CSRF token (no cookie, nothing to forge)', async () => {
    const res = await t.call('POST', '/v1/admin/users', {
      key: adminKey,
      body: { name: 'bot-made', password: 'bot password', role: 'viewer' },
    });
    expect(res.status).toBe(201);
    expect(res.body.user.environment).toBe('development');
  });

  it('documents the user routes in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths['/v1/admin/users'])).toEqual(['get', 'post']);
    expect(doc.paths['/v1/admin/users/{id}'].patch['x-relaykit-permission']).toBe('admin:users');
    expect(doc.paths['/v1/admin/login'].post.responses).toHaveProperty('429');
    expect(doc.paths['/v1/admin/me'].get.security).toEqual([{ consoleSession: [] }]);
    expect(doc.components.securitySchemes.consoleSession).toMatchObject({ in: 'cookie', name: 'rk_session' });
  });
});
