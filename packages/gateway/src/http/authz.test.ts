import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEcho } from '../test-support/echo.js';
import { startTestGateway, waitFinal, type TestGateway } from '../test-support/harness.js';

// Scopes × routes × environments: every route that takes a key lets a key do exactly what its scopes and
// environment allow; a job the key may not see is a 404 (ids are not confirmed to outsiders).
let t: TestGateway;
const keys: Record<string, string> = {};
const jobs: Record<string, string> = {};

/** Which keys exist: environment and scopes. */
const KEYS = {
  star: { environment: 'development', scopes: ['*'] },
  instance: { environment: 'development', scopes: ['echo-dev'] },
  instanceWild: { environment: 'development', scopes: ['echo-dev:*'] },
  putOnly: { environment: 'development', scopes: ['echo-dev:put'] },
  slowOnly: { environment: 'development', scopes: ['echo-dev:slow'] },
  putAndSlow: { environment: 'development', scopes: ['echo-dev:put', 'echo-dev:slow'] },
  prodStar: { environment: 'production', scopes: ['*'] },
  prodInstance: { environment: 'production', scopes: ['echo-prod:*'] },
  prodNamingDev: { environment: 'production', scopes: ['echo-dev:*'] },
} as const;
type KeyName = keyof typeof KEYS;

const INSTANCE_ENV: Record<string, string> = { 'echo-dev': 'development', 'echo-prod': 'production' };

/** What the key may do on instance/operation. */
function allowed(
  name: KeyName,
  instance: string,
  operation: string,
): 'ok' | 'FORBIDDEN_ENVIRONMENT' | 'FORBIDDEN_SCOPE' {
  const key = KEYS[name];
  if (key.environment !== INSTANCE_ENV[instance]) return 'FORBIDDEN_ENVIRONMENT';
  const ok = key.scopes.some(
    (s: string) => s === '*' || s === instance || s === `${instance}:*` || s === `${instance}:${operation}`,
  );
  return ok ? 'ok' : 'FORBIDDEN_SCOPE';
}

const TARGETS = [
  { instance: 'echo-dev', operation: 'put', input: { key: 'm', value: 1 } },
  { instance: 'echo-dev', operation: 'slow', input: { ms: 0 } },
  { instance: 'echo-prod', operation: 'put', input: { key: 'm', value: 1 } },
];

beforeAll(async () => {
  t = await startTestGateway();
  for (const [name, spec] of Object.entries(KEYS))
    keys[name] = (
      await t.gateway.keys.create({ name, environment: spec.environment, scopes: [...spec.scopes] })
    ).secret;
  // One job of each instance/operation, submitted by the widest key of its environment, plus a webhook job.
  for (const target of TARGETS) {
    const key = INSTANCE_ENV[target.instance] === 'development' ? keys.star! : keys.prodStar!;
    const res = await t.call('POST', `/v1/${target.instance}/${target.operation}`, { key, body: target.input });
    expect(res.status).toBe(202);
    jobs[`${target.instance}:${target.operation}`] = res.body.id;
    await waitFinal(t, res.body.id, key);
  }
  const body = JSON.stringify({ events: [{ id: 'authz-1', text: 'hi' }] });
  const hook = await t.call('POST', '/v1/webhooks/echo-dev', {
    raw: body,
    headers: { 'content-type': 'application/json', 'x-signature': signEcho(body) },
  });
  expect(hook.status).toBe(200);
  jobs['echo-dev:webhook:events'] = hook.body.jobs[0];
});
afterAll(async () => {
  await t?.close();
});

describe('authorisation matrix (scopes × routes × environments)', () => {
  it('GET /v1/jobs/{id}: readable only with the scope of its instance and operation; otherwise 404', async () => {
    const failures: string[] = [];
    for (const name of Object.keys(KEYS) as KeyName[]) {
      for (const [target, id] of Object.entries(jobs)) {
        const [instance, ...rest] = target.split(':');
        const verdict = allowed(name, instance!, rest.join(':'));
        const res = await t.call('GET', `/v1/jobs/${id}`, { key: keys[name] });
        const expected = verdict === 'ok' ? 200 : 404;
        if (res.status !== expected) failures.push(`${name} reading ${target}: ${res.status}, expected ${expected}`);
        if (expected === 404 && res.body.code !== 'NOT_FOUND')
          failures.push(`${name} reading ${target}: not NOT_FOUND`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('POST /v1/{instance}/{operation} (with and without ?wait=) and POST /v1/jobs/batch', async () => {
    const failures: string[] = [];
    for (const name of Object.keys(KEYS) as KeyName[]) {
      for (const target of TARGETS) {
        const verdict = allowed(name, target.instance, target.operation);
        const label = `${name} → ${target.instance}:${target.operation}`;
        for (const wait of ['', '?wait=5s']) {
          const res = await t.call('POST', `/v1/${target.instance}/${target.operation}${wait}`, {
            key: keys[name],
            body: target.input,
          });
          if (verdict === 'ok') {
            if (![200, 202].includes(res.status)) failures.push(`${label}${wait}: ${res.status}`);
          } else if (res.status !== 403 || res.body.code !== verdict)
            failures.push(`${label}${wait}: ${res.status} ${res.body.code}, expected 403 ${verdict}`);
        }
        const batch = await t.call('POST', '/v1/jobs/batch', {
          key: keys[name],
          body: { jobs: [target] },
          headers: { 'idempotency-key': `matrix-${name}-${target.instance}-${target.operation}` },
        });
        if (verdict === 'ok' ? batch.status !== 202 : batch.status !== 403 || batch.body.code !== verdict)
          failures.push(`batch ${label}: ${batch.status} ${batch.body.code}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a batch mixing an allowed and a forbidden job is refused whole', async () => {
    const res = await t.call('POST', '/v1/jobs/batch', {
      key: keys.putOnly,
      body: { jobs: [TARGETS[0], TARGETS[1]] },
      headers: { 'idempotency-key': 'matrix-mixed' },
    });
    expect(res).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_SCOPE' } });
  });

  it('idempotent replays: only the key that stored a response gets it back; other keys are checked afresh', async () => {
    const headers = { 'idempotency-key': 'matrix-replay' };
    const first = await t.call('POST', '/v1/echo-dev/put', { key: keys.putOnly, body: { key: 'r' }, headers });
    expect(first.status).toBe(202);
    const replay = await t.call('POST', '/v1/echo-dev/put', { key: keys.putOnly, body: { key: 'r' }, headers });
    expect(replay).toMatchObject({ status: 202, body: { id: first.body.id } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // Same Idempotency-Key from a key without the scope, or of another environment: refused, nothing replayed.
    for (const name of ['slowOnly', 'prodStar', 'prodNamingDev'] as const) {
      const other = await t.call('POST', '/v1/echo-dev/put', { key: keys[name], body: { key: 'r' }, headers });
      expect(other.status, name).toBe(403);
      expect(other.body.id, name).toBeUndefined();
    }
    // Another key with the scope gets its own job, not the first key's.
    const own = await t.call('POST', '/v1/echo-dev/put', { key: keys.putAndSlow, body: { key: 'r' }, headers });
    expect(own.status).toBe(202);
    expect(own.body.id).not.toBe(first.body.id);
    expect(own.headers.get('idempotent-replayed')).toBeNull();
    // A batch replay likewise belongs to the key that sent it.
    const batchHeaders = { 'idempotency-key': 'matrix-batch-replay' };
    const batch = { jobs: [TARGETS[0]] };
    const b1 = await t.call('POST', '/v1/jobs/batch', { key: keys.putOnly, body: batch, headers: batchHeaders });
    expect(b1.status).toBe(202);
    const b2 = await t.call('POST', '/v1/jobs/batch', { key: keys.slowOnly, body: batch, headers: batchHeaders });
    expect(b2).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_SCOPE' } });
  });
});
