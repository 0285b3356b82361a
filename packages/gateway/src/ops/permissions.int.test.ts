import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../test-support/harness.js';
import { OPS_ROUTES } from './index.js';
import { BACKENDS } from '../test-support/ops/backends.js';

/** A request body each route accepts (routes of other areas fall back to `{}`: allowed callers then get a 400). */
const BODIES: Record<string, unknown> = {
  'admin.jobs.retryMatching': { filter: { operation: 'none' }, dryRun: true },
  'admin.deadLetters.replay': { ids: ['sdl_1'] },
  'admin.deadLetters.discard': { ids: ['sdl_1'], note: 'matrix' },
  'admin.errors.setStatus': { status: 'acknowledged', note: 'matrix' },
};

const PARAMS: Record<string, string> = {
  id: 'job_00000000000000000000000000',
  fingerprint: '0'.repeat(32),
};

/** Scope sets: the console roles as key scopes, and keys that hold no operator permission. */
const SCOPES: Record<string, string[] | null> = {
  none: null,
  instances: ['*'],
  keysAdmin: ['admin:keys'],
  viewer: ['admin:read'],
  operator: ['admin:read', 'admin:operate'],
  admin: ['admin:*'],
};

/** A GET of a stream that never ends by itself: its status and headers, the body only when it is a problem. */
async function openAndHangUp(t: TestGateway, path: string, key: string | undefined) {
  const res = await fetch(`${t.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const problem = /^application\/problem\+json/.test(res.headers.get('content-type') ?? '');
  const body: unknown = problem ? await res.json() : undefined;
  if (!problem) await res.body?.cancel();
  return { status: res.status, headers: res.headers, body };
}

describe.each(BACKENDS)('operator API permissions matrix ($name)', (backend) => {
  let t: TestGateway;
  const secrets: Record<string, string | undefined> = {};
  beforeAll(async () => {
    t = await backend.start();
    for (const [name, scopes] of Object.entries(SCOPES))
      secrets[name] = scopes
        ? (await t.gateway.keys.create({ name, environment: 'development', scopes })).secret
        : undefined;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const cases = OPS_ROUTES.flatMap((route) => Object.keys(SCOPES).map((who) => ({ route, who })));
  it.each(cases.map((c) => [`${c.route.method.toUpperCase()} ${c.route.path}`, c.who, c] as const))(
    '%s as %s',
    async (_label, who, { route }) => {
      const path = route.path.replace(/\{(\w+)\}/g, (_m: string, name: string) => PARAMS[name] ?? 'x');
      const res = route.produces?.includes('text/event-stream')
        ? await openAndHangUp(t, path, secrets[who])
        : await t.call(route.method.toUpperCase(), path, {
            key: secrets[who],
            ...(route.body ? { body: BODIES[route.operationId] ?? {} } : {}),
          });
      const scopes = SCOPES[who];
      if (!scopes) {
        expect(res.status).toBe(401);
        return;
      }
      const holds = scopes.includes(route.permission!) || scopes.includes('admin:*');
      if (holds) {
        expect([401, 403], JSON.stringify(res.body)).not.toContain(res.status);
        expect(res.status).toBeLessThan(500);
      } else {
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ code: 'FORBIDDEN_SCOPE', required: route.permission });
      }
    },
  );
});
