import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test-support/harness.js';

/** A tiny cookie-jar client of the console API. */
function browser(t: TestGateway) {
  let cookie = '';
  let csrf = '';
  return {
    async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(`${t.url}${path}`, {
        method,
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0]!.endsWith('=') ? '' : set.split(';')[0]!;
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : undefined;
      if (parsed?.csrfToken) csrf = parsed.csrfToken;
      return { status: res.status, headers: res.headers, body: parsed };
    },
    login(name: string, password: string) {
      return this.call('POST', '/v1/admin/login', { name, password });
    },
    get csrf() {
      return csrf;
    },
    get cookie() {
      return cookie;
    },
  };
}

describe('console login, sessions and CSRF', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      console: { maxFailedLogins: 3, lockout: '1m', maxFailedLoginsPerAddress: 50 },
    } as never);
    await t.gateway.users.create({ name: 'ada', password: 'correct horse', role: 'admin', environment: 'development' });
    await t.gateway.users.create({ name: 'vic', password: 'viewer pass', role: 'viewer', environment: 'development' });
    await t.gateway.users.create({
      name: 'lou',
      password: 'locked pass',
      role: 'operator',
      environment: 'development',
    });
  });
  afterAll(() => t?.close());

  it('logs in with an httpOnly SameSite=Strict cookie scoped to /v1/admin and answers the CSRF token', async () => {
    const b = browser(t);
    const res = await b.login('ADA', 'correct horse');
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(
      /^rk_session=[A-Za-z0-9_-]{43}; Path=\/v1\/admin; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.user).toMatchObject({ name: 'ada', role: 'admin', environment: 'development' });
    expect(res.body.user.permissions).toEqual([
      'admin:read',
      'admin:operate',
      'admin:reveal',
      'admin:keys',
      'admin:users',
      'admin:privacy',
    ]);
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await b.call('GET', '/v1/admin/me');
    expect(me.status).toBe(200);
    expect(me.body.csrfToken).toBe(res.body.csrfToken);
    // The session is not stored by its token.
    const { rows } = await t.gateway.sql.query<{ id: string }>('SELECT id FROM relaykit_sessions');
    expect(rows.map((r) => r.id)).not.toContain(b.cookie.split('=')[1]);
  });

  it('answers a wrong password and an unknown name alike', async () => {
    const wrong = await browser(t).login('vic', 'nope');
    const unknown = await browser(t).login('nobody', 'nope');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('locks a user after maxFailedLogins failures in a row, even for the right password', async () => {
    const b = browser(t);
    expect((await b.login('lou', 'bad 1')).status).toBe(401);
    expect((await b.login('lou', 'bad 2')).status).toBe(401);
    const third = await b.login('lou', 'bad 3');
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('LOGIN_LOCKED');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(50);
    const right = await b.login('lou', 'locked pass');
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('LOGIN_LOCKED');
  });

  it('refuses a state change authenticated by the cookie without the CSRF token', async () => {
    const b = browser(t);
    await b.login('ada', 'correct horse');
    const none = await b.call('POST', '/v1/admin/logout');
    expect(none.status).toBe(403);
    expect(none.body.code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await b.call('POST', '/v1/admin/logout', undefined, { 'x-csrf-token': 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect((await b.call('GET', '/v1/admin/me')).status).toBe(200);
    const ok = await b.call('POST', '/v1/admin/logout', undefined, { 'x-csrf-token': b.csrf });
    expect(ok.status).toBe(204);
    expect(b.cookie).toBe('');
  });

  it('ends the session at logout: the old cookie no longer works', async () => {
    const b = browser(t);
    await b.login('vic', 'viewer pass');
    const stolen = b.cookie;
    await b.call('POST', '/v1/admin/logout', undefined, { 'x-csrf-token': b.csrf });
    const res = await fetch(`${t.url}/v1/admin/me`, { headers: { cookie: stolen } });
    expect(res.status).toBe(401);
  });

  it('refuses a login that is not JSON (a cross-site form cannot log a victim in)', async () => {
    const res = await fetch(`${t.url}/v1/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=ada&password=correct+horse',
    });
    expect(res.status).toBe(415);
  });

  it('wants JSON even without a body, at most 16 KiB, and lists invalid fields by name', async () => {
    const bare = await fetch(`${t.url}/v1/admin/login`, { method: 'POST' });
    expect(bare.status).toBe(415);
    expect(((await bare.json()) as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = await browser(t).login('ada', 'x'.repeat(17 * 1024));
    expect(big.status).toBe(413);
    const invalid = await browser(t).call('POST', '/v1/admin/login', { name: 'ada', password: 7, extra: true });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('VALIDATION');
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['', 'password']);
  });

  it('answers /me and logout only to a console session (an API key is not one)', async () => {
    for (const [method, path] of [
      ['GET', '/v1/admin/me'],
      ['POST', '/v1/admin/logout'],
    ] as const) {
      const anonymous = await t.call(method, path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.code).toBe('UNAUTHENTICATED');
      expect((await t.call(method, path, { key: t.keys.dev })).status).toBe(401);
    }
    const b = browser(t);
    await b.login('vic', 'viewer pass');
    const me = await b.call('GET', '/v1/admin/me');
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.body.user).toMatchObject({ name: 'vic', role: 'viewer', permissions: ['admin:read'] });
    expect((await b.call('POST', '/v1/admin/logout', undefined, { 'x-csrf-token': b.csrf })).status).toBe(204);
    await waitFor(async () => {
      const entries = await t.gateway.audit.recent(50);
      const done = (operation: string, status: number) =>
        entries.some((e) => e.operation === operation && e.status === status && e.actor?.startsWith('user:'));
      return done('admin:me', 200) && done('admin:logout', 204);
    }, 'the audited /me and logout');
  });

  it('documents the three routes from the schemas they answer with', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body;
    const login = doc.paths['/v1/admin/login'].post;
    expect(login.security).toEqual([]);
    expect(login.tags).toEqual(['console sessions']);
    expect(doc.tags).toContainEqual(expect.objectContaining({ name: 'console sessions' }));
    expect(Object.keys(login.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '415', '429']));
    expect(login.responses['429'].headers['Retry-After']).toBeDefined();
    expect(login.requestBody.content['application/json'].schema).toMatchObject({
      required: ['name', 'password'],
      additionalProperties: false,
    });
    // One session shape, named once: login and /me refer to it.
    const session = { $ref: '#/components/schemas/ConsoleSession' };
    expect(login.responses['200'].content['application/json'].schema).toEqual(session);
    expect(doc.paths['/v1/admin/me'].get.responses['200'].content['application/json'].schema).toEqual(session);
    expect(doc.components.schemas.ConsoleSession.required).toEqual(['user', 'csrfToken', 'expiresAt']);
    const logout = doc.paths['/v1/admin/logout'].post;
    expect(logout.security).toEqual([{ consoleSession: [] }]);
    expect(Object.keys(logout.responses)).toEqual(expect.arrayContaining(['204', '401', '403']));
  });

  it('audits logins with the user', async () => {
    await browser(t).login('ada', 'correct horse');
    await waitFor(async () => {
      const entries = await t.gateway.audit.recent(50);
      return entries.some(
        (e) => e.operation === 'admin:login' && (e.payload as any)?.user?.name === 'ada' && e.status === 200,
      );
    }, 'the audited login');
  });
});

describe('console session lifetimes and the per-address throttle', () => {
  it('ends a session after the idle time', async () => {
    const t = await startTestGateway({ console: { sessionIdle: '400ms', sessionMaxAge: '1h' } } as never);
    try {
      await t.gateway.users.create({ name: 'ada', password: 'pw', role: 'viewer', environment: 'development' });
      const b = browser(t);
      await b.login('ada', 'pw');
      expect((await b.call('GET', '/v1/admin/me')).status).toBe(200);
      await waitFor(async () => (await b.call('GET', '/v1/admin/me')).status === 401, 'idle expiry', {
        timeoutMs: 10_000,
      });
    } finally {
      await t.close();
    }
  }, 60_000);

  it('ends a session after its absolute lifetime, even a busy one', async () => {
    const u = await startTestGateway({ console: { sessionIdle: '1h', sessionMaxAge: '1s' } } as never);
    try {
      await u.gateway.users.create({ name: 'ada', password: 'pw', role: 'viewer', environment: 'development' });
      const b = browser(u);
      const login = await b.login('ada', 'pw');
      expect(login.headers.get('set-cookie')).toContain('Max-Age=1;');
      // Kept busy (never idle), it still ends.
      await waitFor(async () => (await b.call('GET', '/v1/admin/me')).status === 401, 'absolute expiry', {
        timeoutMs: 10_000,
      });
    } finally {
      await u.close();
    }
  }, 60_000);

  it('refuses an address after too many failures, whatever the names, and marks cookies Secure when told', async () => {
    const t = await startTestGateway({ console: { maxFailedLoginsPerAddress: 3, secureCookies: true } } as never);
    try {
      await t.gateway.users.create({ name: 'ada', password: 'pw', role: 'viewer', environment: 'development' });
      const ok = await browser(t).login('ada', 'pw');
      expect(ok.headers.get('set-cookie')).toMatch(/; Secure$/);
      for (const name of ['x1', 'x2', 'x3']) expect((await browser(t).login(name, 'nope')).status).toBe(401);
      const refused = await browser(t).login('ada', 'pw');
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('LOGIN_LOCKED');
    } finally {
      await t.close();
    }
  }, 60_000);
});
