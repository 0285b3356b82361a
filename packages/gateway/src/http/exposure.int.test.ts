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
