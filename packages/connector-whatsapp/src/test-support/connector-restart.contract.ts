// Shared by connector.restart.test.ts (PGlite in a data directory) and connector.restart.int.test.ts (PostgreSQL):
// the connector embedded without Redis, status webhooks from the fake (reordered, duplicated), then a restart.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instantiateConnector, type ConnectorInstance, type SqlClient } from '@relaykit/sdk-core';
import { expect } from 'vitest';
import { whatsappConnector } from '../connector.js';
import { startFakeGraph } from '../testing/index.js';

const MESSAGES = 57;
const UNDELIVERABLE = ['9779841000003', '9779841000017'];
type Instance = ConnectorInstance<typeof whatsappConnector>;

/**
 * Sends 57 messages through a connector given `open()`'s database, lets the fake post their statuses (shuffled and
 * duplicated) to a receiver that runs the connector's webhook as the runtime does, then closes everything, opens the
 * database again and asks a new instance for every message's status.
 */
export async function statusesSurviveRestart(open: () => Promise<SqlClient>): Promise<void> {
  let current: Instance | undefined;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void receive(current!, req.headers, Buffer.concat(chunks)).then(
        (ok) => res.writeHead(ok ? 200 : 401).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const fake = await startFakeGraph({
    throughputPerSecond: 1000,
    pairRate: false,
    customerServiceWindow: false,
    undeliverable: UNDELIVERABLE,
    webhook: {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/whatsapp`,
      appSecret: 'secret',
      stepMs: 1,
      batchMs: 5,
      reorder: true,
      duplicates: 1,
      retryDelaysMs: [20, 50, 100],
    },
  });
  const config = {
    phoneNumberId: 'PNID',
    accessToken: fake.accessToken,
    appSecret: 'secret',
    verifyToken: 'vt',
    baseUrl: fake.url,
    messagesPerSecond: 500,
    defaultRegion: 'NP',
  };
  try {
    let db = await open();
    current = await instantiateConnector(whatsappConnector, { config, database: db, instance: 'wa-school' });
    const sent = await Promise.all(
      Array.from({ length: MESSAGES }, (_, i) =>
        current!.run('sendText', { to: `+97798410000${String(i).padStart(2, '0')}`, body: `Notice ${i}` }),
      ),
    );
    await fake.flushWebhooks();
    const expected = (to: string) => (UNDELIVERABLE.includes(to.slice(1)) ? 'failed' : 'read');
    const statuses = async (wa: Instance) =>
      Promise.all(sent.map(async (s) => (await wa.run('deliveryStatus', { messageId: s.messageId })).status));
    expect(await statuses(current)).toEqual(sent.map((s) => expected(s.to)));

    // The restart: the instance and the database go, a new process opens the same database.
    await current.close();
    await db.close();
    db = await open();
    current = await instantiateConnector(whatsappConnector, { config, database: db, instance: 'wa-school' });
    expect(await statuses(current)).toEqual(sent.map((s) => expected(s.to)));
    const failed = sent.find((s) => expected(s.to) === 'failed')!;
    expect(await current.run('deliveryStatus', { messageId: failed.messageId })).toMatchObject({
      errorCodes: [131026],
    });
    // Still never backwards after the restart: a late `delivered` does not undo a `read`.
    await handleStatus(current, sent[0]!.messageId, 'delivered');
    expect((await current.run('deliveryStatus', { messageId: sent[0]!.messageId })).status).toBe('read');
    // Another instance on the same database keeps its own statuses.
    const other = await instantiateConnector(whatsappConnector, { config, database: db, instance: 'wa-other' });
    expect((await other.run('deliveryStatus', { messageId: sent[0]!.messageId })).status).toBe('unknown');
    await other.close();
    await current.close();
    await db.close();
  } finally {
    await fake.close();
    await new Promise<void>((resolve) => (receiver as Server).close(() => resolve()));
  }
}

const hook = whatsappConnector.webhooks!.messages!;
const contexts = (wa: Instance) => ({
  setup: { ...wa.services, instance: wa.instance, config: wa.state.config, state: wa.state },
  run: {
    ...wa.services,
    instance: wa.instance,
    state: wa.state,
    signal: new AbortController().signal,
    attempt: 1,
    progress: () => undefined,
  },
});

/** What the runtime does with a webhook POST: verify the raw bytes, parse, hand each event to `handle`. */
async function receive(wa: Instance, headers: Record<string, string | string[] | undefined>, rawBody: Buffer) {
  const request = {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
    query: {},
    rawBody,
  };
  const ctx = contexts(wa);
  if (!(await hook.verify(ctx.setup, request))) return false;
  for (const event of hook.parse(ctx.setup, request)) await hook.handle!(ctx.run, event);
  return true;
}

async function handleStatus(wa: Instance, messageId: string, status: 'delivered') {
  await hook.handle!(contexts(wa).run, {
    kind: 'status',
    status: { messageId, status, timestamp: Math.floor(Date.now() / 1000) },
  } as never);
}
