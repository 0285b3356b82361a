// Masked storage with a real connector: a WhatsApp send runs with the clear recipient and text (the fake Graph API
// sees them) while the gateway stores, answers and replays only their masks.
import { randomBytes } from 'node:crypto';
import { startFakeGraph, type FakeGraph } from '@relaykit/connector-whatsapp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { people, startPrivacyGateway } from '../../packages/gateway/src/test-support/privacy/scenario.js';
import { realConnectors } from './connectors.js';

describe('storing masked payloads of a WhatsApp send (PGlite)', () => {
  let t: Awaited<ReturnType<typeof startPrivacyGateway>>;
  let graph: FakeGraph;
  const { carol } = people;
  beforeAll(async () => {
    graph = await startFakeGraph({ accessToken: 'masked-test-token' });
    graph.openWindow(`977${carol.phone}`);
    t = await startPrivacyGateway(
      {
        instances: {
          wa: {
            connector: 'whatsapp',
            environment: 'development',
            config: {
              phoneNumberId: '100000000000001',
              accessToken: graph.accessToken,
              appSecret: 'masked-test-secret',
              verifyToken: 'verify',
              baseUrl: graph.url,
              defaultRegion: 'NP',
            },
          },
        },
        privacy: { indexKey: randomBytes(32).toString('base64'), defaultRegion: 'NP', storeMasked: true },
      },
      { connectors: realConnectors },
    );
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await graph?.close();
  });

  const stored = async (id: string) =>
    (await t.gateway.sql.query<{ input: string }>('SELECT input FROM relaykit_jobs WHERE id = $1', [id])).rows[0]!;

  it('runs the job with the real values and stores only their masks', async () => {
    const res = await t.call('POST', '/v1/wa/sendText?wait=15s', {
      key: t.keys.dev,
      body: { to: `+977${carol.phone}`, body: `${carol.name}, the trip is on Friday` },
      headers: { 'idempotency-key': 'masked-1' },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('succeeded');
    // The upstream got the clear recipient and text: the worker ran with them.
    expect(graph.messages.map((m) => m.to)).toEqual([`977${carol.phone}`]);
    expect(JSON.stringify(graph.messages)).toContain('the trip is on Friday');
    const row = await stored(res.body.id);
    expect(JSON.parse(row.input)).toEqual({ to: '[phone]', body: '[text]' });
    // What is read back is what is stored: the answer, the lookup and the stored Idempotency-Key response.
    expect(JSON.stringify(res.body)).not.toContain(carol.phone);
    const lookup = await t.call('GET', `/v1/jobs/${res.body.id}`, { key: t.keys.dev });
    expect(lookup.body.status).toBe('succeeded');
    expect(JSON.stringify(lookup.body)).not.toContain(carol.phone);
  });
});
