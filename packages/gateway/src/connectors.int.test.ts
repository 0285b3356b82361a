import { randomUUID } from 'node:crypto';
import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { silentLogger } from '@relaykit/sdk-core';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from './demo/index.js';

const servers = sharedServers();

// The demo wiring (the three real connectors against their fakes), on the embedded engines `npm start` uses on a
// bare machine (PGlite, in-memory queue) and on real Redis and PostgreSQL.
const setups = [
  {
    engines: 'embedded PGlite and the in-memory queue',
    available: true,
    env: async () => ({}),
    banner: /PGlite.*in-memory queue/,
  },
  {
    engines: 'Redis and PostgreSQL',
    available: Boolean(servers.redisUrl && servers.postgresUrl),
    env: async () => ({ REDIS_URL: servers.redisUrl, DATABASE_URL: await servers.freshDatabase() }),
    banner: /PostgreSQL.*bee-queue/,
  },
];

describe.each(setups)('the real connectors through the gateway on $engines', ({ available, env, banner }) => {
  let demo: Demo;
  const lines: string[] = [];
  beforeAll(async () => {
    if (!available) return;
    demo = await startDemo({
      port: 0,
      out: (l) => lines.push(l),
      logger: silentLogger,
      redisPrefix: `rk-${randomUUID().slice(0, 8)}`,
      webhookDuplicates: 1,
      env: await env(),
    });
  });
  afterAll(async () => {
    await demo?.close();
  });
  // Each case skips only when the servers are missing, which CI=true already refuses.
  beforeEach((ctx) => {
    if (!available)
      ctx.skip('no redis-server or PostgreSQL on this machine (the run printed why; CI=true fails instead)');
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${demo.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.apiKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('prints the key, the docs URL and curl lines, and says which engines run', () => {
    const text = lines.join('\n');
    expect(text).toContain(demo.apiKey);
    expect(text).toContain(`${demo.url}/docs`);
    expect(text).toMatch(banner);
    expect(text).toMatch(/curl .*\/v1\/jobs\//);
    // Mahak syncs into the gateway's own database (PGlite or PostgreSQL): listed first, with no "needs DATABASE_URL" caveat.
    const mahakTitles = lines.filter((l) => l.startsWith('# Mahak'));
    expect(mahakTitles[0]).toBe("# Mahak: sync products into the gateway's database");
    expect(text).not.toMatch(/fails with CONFIG|without DATABASE_URL/);
  });

  type Doc = {
    paths: Record<
      string,
      Record<
        string,
        { operationId?: string; requestBody?: { content?: Record<string, { example?: unknown; examples?: unknown }> } }
      >
    >;
  };
  const openapi = async () =>
    (await (
      await fetch(`${demo.url}/openapi.json`, { headers: { authorization: `Bearer ${demo.apiKey}` } })
    ).json()) as Doc;

  it("serves an OpenAPI document (the real connectors' schemas) that passes an independent validator", async () => {
    await SwaggerParser.validate(structuredClone(await openapi()) as never);
  });

  // Acceptance point of issue 7 ("every operation with ... examples"): connectors own their examples.
  it('has a request example for every POST operation', async () => {
    const doc = await openapi();
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const post = item.post;
      // Webhook bodies are the sender's (Meta, ...), not ours to exemplify; a POST that takes no body (logout) has none.
      if (!post || path.startsWith('/v1/webhooks/') || !post.requestBody) continue;
      const json = post.requestBody?.content?.['application/json'];
      if (json?.example === undefined && json?.examples === undefined)
        missing.push(`${post.operationId ?? path} (POST ${path})`);
    }
    expect(missing, `operations without a request example: ${missing.join(', ')}`).toEqual([]);
  });

  it('Salesforce: upsert → processed → result; an idempotent replay writes once', async () => {
    // The demo must load every connector of this repo: a missing one is a failure, not a skip.
    expect(demo.instances).toContain('sf-demo');
    const body = {
      sobject: 'Contact',
      externalIdField: 'Ext__c',
      externalId: `E-${randomUUID().slice(0, 6)}`,
      fields: { LastName: 'Okafor' },
    };
    const headers = { 'idempotency-key': randomUUID() };
    const first = await post('/v1/sf-demo/upsert?wait=10s', body, headers);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'succeeded', result: { created: true } });
    const again = await post('/v1/sf-demo/upsert?wait=10s', body, headers);
    expect(again.body.id).toBe(first.body.id);
    const ledger = (demo.fakes['sf-demo'] as { ledger: { countsByExternalId(object: string): Map<string, number> } })
      .ledger;
    expect(ledger.countsByExternalId('Contact').get(body.externalId)).toBe(1);
    // Upstream calls made through sdk-core's HttpClient become gateway metrics.
    const metrics = await (
      await fetch(`${demo.url}/metrics`, { headers: { authorization: `Bearer ${demo.metricsToken}` } })
    ).text();
    expect(metrics).toMatch(
      /relaykit_upstream_requests_total\{instance="sf-demo",upstream="[^"]+",status="20\d"\} \d+/,
    );
    const ready = (await (
      await fetch(`${demo.url}/readyz`, { headers: { authorization: `Bearer ${demo.apiKey}` } })
    ).json()) as {
      checks: { instances: Record<string, { circuits: unknown }> };
    };
    expect(ready.checks.instances['sf-demo']).toHaveProperty('circuits');
  });

  it("Mahak: sync products into the gateway's database, push an order", async () => {
    // The demo must load every connector of this repo: a missing one is a failure, not a skip.
    expect(demo.instances).toContain('mahak-demo');
    const sync = await post('/v1/mahak-demo/syncEntity?wait=20s', { entity: 'Product' });
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ status: 'succeeded', result: { entity: 'Product', records: 20 } });
    const push = await post('/v1/mahak-demo/pushOrders?wait=10s', {
      orders: [
        {
          storeOrderId: `o-${randomUUID().slice(0, 6)}`,
          personId: 1,
          orderDate: '2026-01-02T10:00:00Z',
          details: [{ productDetailId: 1, count1: 1, price: 1000 }],
        },
      ],
    });
    expect(push.body).toMatchObject({ status: 'succeeded', result: { results: [{ ok: true }] } });
    // Mahak's own policy (retries over HTTP and the Result:false envelope) is built by the runtime, so its breaker shows.
    const ready = (await (
      await fetch(`${demo.url}/readyz`, { headers: { authorization: `Bearer ${demo.apiKey}` } })
    ).json()) as {
      checks: { instances: Record<string, { circuits: Record<string, string> }> };
    };
    expect(ready.checks.instances['mahak-demo']?.circuits).toEqual({ mahak: 'closed' });
    expect(
      await (await fetch(`${demo.url}/metrics`, { headers: { authorization: `Bearer ${demo.metricsToken}` } })).text(),
    ).toMatch(/relaykit_circuit_state\{instance="mahak-demo",upstream="mahak"\} 0/);
  });

  it('WhatsApp: send a text; signed status webhooks delivered twice are recorded and processed once', async () => {
    // The demo must load every connector of this repo: a missing one is a failure, not a skip.
    expect(demo.instances).toContain('wa-demo');
    const handshake = await fetch(
      `${demo.url}/v1/webhooks/wa-demo?hub.mode=subscribe&hub.verify_token=demo-verify-token&hub.challenge=1158201444`,
    );
    expect(handshake.status).toBe(200);
    expect(await handshake.text()).toBe('1158201444');
    // Meta's handshake with a wrong verify token: the connector's bare 403 becomes a problem document.
    const wrongToken = await fetch(
      `${demo.url}/v1/webhooks/wa-demo?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`,
    );
    expect(wrongToken.status).toBe(403);
    expect(wrongToken.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await wrongToken.json()).toMatchObject({ code: 'WEBHOOK_VERIFICATION_FAILED', status: 403 });
    const forged = await fetch(`${demo.url}/v1/webhooks/wa-demo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      body: '{"object":"whatsapp_business_account","entry":[]}',
    });
    expect(forged.status).toBe(401);
    const sent = await post('/v1/wa-demo/sendText?wait=10s', { to: '+9779841234567', body: 'hello' });
    expect(sent.status).toBe(200);
    expect(sent.body.status).toBe('succeeded');
    const messageId = sent.body.result?.messageId as string | undefined;
    expect(messageId).toMatch(/^wamid\./);
    // The fake posts sent → delivered → read, each batch twice; the tracker (run by webhook jobs) ends at read.
    await waitFor(
      async () => (await post('/v1/wa-demo/deliveryStatus?wait=5s', { messageId })).body.result?.status === 'read',
      'the tracker to reach "read"',
      { timeoutMs: 20_000 },
    );
    // The tracker is written inside each webhook job; the job's own "succeeded" is recorded just after it.
    const webhookJobs = async () =>
      (
        await demo.gateway.sql.query<{ n: string; ok: string }>(
          "SELECT count(*) AS n, count(*) FILTER (WHERE status = 'succeeded') AS ok FROM relaykit_jobs WHERE instance = 'wa-demo' AND kind = 'webhook'",
        )
      ).rows[0]!;
    await waitFor(async () => Number((await webhookJobs()).ok) === 3, 'three webhook jobs succeeded', {
      timeoutMs: 20_000,
    });
    expect(Number((await webhookJobs()).n)).toBe(3);
    const duplicates = (await demo.gateway.metrics.webhooks.get()).values.find(
      (v) => v.labels.outcome === 'duplicate' && v.labels.instance === 'wa-demo',
    );
    expect(duplicates?.value ?? 0).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
