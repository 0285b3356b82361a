import { silentLogger } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../demo/index.js';

// What the gateway shows to whom: the demo (three real connectors on their fakes, PGlite, in-memory queue).
let demo: Demo;
beforeAll(async () => {
  demo = await startDemo({ port: 0, out: () => undefined, logger: silentLogger, env: {} });
});
afterAll(async () => {
  await demo?.close();
});

const get = async (path: string, key?: string) => {
  const res = await fetch(`${demo.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, body };
};

describe('/readyz', () => {
  type Org = { state: { requests: Array<{ path: string }> } };
  const limitsCalls = () =>
    (demo.fakes['sf-demo'] as Org).state.requests.filter((r) => r.path.endsWith('/limits')).length;

  it('answers probes from the background health checks: N probes cost at most one upstream call per interval', async () => {
    // The first round starts with the gateway and its result is there soon after.
    const first = await waitFor(async () => {
      const ready = await get('/readyz', demo.apiKey);
      return ready.body.checks?.instances?.['sf-demo']?.upstream?.checkedAt ? ready : undefined;
    }, 'the first health round');
    expect(first.body.checks.instances['sf-demo'].upstream.ok).toBe(true);
    const started = Date.now();
    const before = limitsCalls();
    for (let i = 0; i < 10; i++) {
      expect((await get('/readyz', i % 2 ? demo.apiKey : undefined)).status).toBe(200);
    }
    const interval = demo.gateway.config.health.interval;
    expect(limitsCalls() - before).toBeLessThanOrEqual(Math.floor((Date.now() - started) / interval) + 1);
    expect(limitsCalls()).toBeLessThanOrEqual(Math.floor((Date.now() - started) / interval) + 2);
  });

  it('shows an unauthenticated caller only which parts are up, by generic name', async () => {
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      components: { database: 'up', queue: 'up', 'upstream-1': 'up', 'upstream-2': 'up', 'upstream-3': 'up' },
    });
    // Nothing names an instance, a connector or the business behind it (WhatsApp's number and verified name).
    expect(ready.text).not.toMatch(/sf-demo|mahak|wa-demo|whatsapp|salesforce|Relaykit Test School|9779800000000/i);
  });

  it('gives details to a caller with a valid key; an invalid key is a 401', async () => {
    const ready = await get('/readyz', demo.apiKey);
    expect(ready.body.checks.instances['wa-demo'].upstream.details).toMatchObject({
      verifiedName: 'Relaykit Test School',
    });
    expect(ready.body.checks).toMatchObject({ database: { ok: true, engine: 'pglite' }, queue: { ok: true } });
    const wrong = await get('/readyz', 'rk_nope_nope');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});

describe('/openapi.json and /docs', () => {
  const instancePaths = (doc: { paths: Record<string, unknown> }) =>
    Object.keys(doc.paths).filter((p) => /^\/v1\/(sf|mahak|wa)-demo\/|^\/v1\/webhooks\/(sf|mahak|wa)-demo/.test(p));

  it('without a key: a generic document that names no instance, with the generic routes', async () => {
    const doc = await get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.text).not.toMatch(/sf-demo|mahak-demo|wa-demo/);
    // Nor which connectors run: no connector schemas.
    expect(Object.keys(doc.body.components.schemas).filter((s) => s.includes('.'))).toEqual([]);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/{instance}/{operation}',
        '/v1/webhooks/{instance}',
        '/v1/jobs/batch',
        '/v1/jobs/{id}',
        '/readyz',
      ]),
    );
    // The reference page renders in the browser from this same per-caller document: it embeds no route of its own.
    const html = await get('/docs');
    expect(html.status).toBe(200);
    expect(html.text).not.toMatch(/sf-demo|mahak-demo|wa-demo/);
    const loader = html.text.includes('/docs/init.js') ? (await get('/docs/init.js')).text : html.text;
    expect(loader).toContain('/openapi.json');
  });

  it('with a key: the operations it reaches, and only those', async () => {
    const all = await get('/openapi.json', demo.apiKey);
    expect(instancePaths(all.body)).toEqual(expect.arrayContaining(['/v1/sf-demo/upsert', '/v1/wa-demo/sendText']));
    expect(all.body.paths['/v1/{instance}/{operation}']).toBeUndefined();
    const { secret } = await demo.gateway.keys.create({
      name: 'narrow',
      environment: 'development',
      scopes: ['sf-demo:upsert'],
    });
    const narrow = await get('/openapi.json', secret);
    expect(instancePaths(narrow.body)).toEqual(['/v1/sf-demo/upsert']);
    expect(narrow.text).not.toMatch(/mahak|whatsapp|wa-demo/);
    expect((await get('/docs', secret)).text).not.toMatch(/mahak-demo|wa-demo|sf-demo\/query/);
    expect((await get('/openapi.json', 'rk_nope_nope')).status).toBe(401);
  });

  it('docs.public: true shows every instance to anyone', async () => {
    const { startTestGateway } = await import('../test-support/harness.js');
    const { MemoryJobQueue } = await import('../queue/memory.js');
    const open = await startTestGateway(
      { docs: { public: true } },
      { sql: demo.gateway.sql, queue: new MemoryJobQueue() },
    );
    try {
      const doc = await open.call('GET', '/openapi.json');
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/echo-dev/put', '/v1/echo-prod/put']));
    } finally {
      await open.close();
    }
  });
});

describe('/metrics', () => {
  it('answers only the metrics token', async () => {
    const none = await get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(none.text).not.toMatch(/sf-demo/);
    // An API key is not the metrics token.
    expect((await get('/metrics', demo.apiKey)).status).toBe(401);
    const ok = await get('/metrics', demo.metricsToken);
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/relaykit_http_requests_total/);
  });

  it('is off (404) when no token is configured', async () => {
    const { startTestGateway } = await import('../test-support/harness.js');
    const { MemoryJobQueue } = await import('../queue/memory.js');
    const off = await startTestGateway({ metrics: {} }, { sql: demo.gateway.sql, queue: new MemoryJobQueue() });
    try {
      const res = await off.call('GET', '/metrics', { key: 'anything-at-all-0123456789' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await off.close();
    }
  });
});
