import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIdempotencyStore } from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from '../testing/index.js';
import { metaJsonStringify } from '../testing/meta-json.js';
import { buildNotification, statusPayload } from '../testing/notifications.js';
import { acksOnlyWhatIsStored } from '../test-support/webhooks/handler-durability.contract.js';
import { createWebhookHandler, MAX_WEBHOOK_BYTES, type WebhookHandlerResult } from './handler.js';
import { nodeWebhookListener } from './node.js';
import { signWebhookBody } from './signature.js';
import { createMemoryStatusTracker } from './tracker-memory.js';

const appSecret = 'shh';
const verifyToken = 'verify-me';
const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '977980' };
const post = (raw: string | Buffer, signature: string | undefined = signWebhookBody(raw, appSecret)) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
  query: {},
  rawBody: typeof raw === 'string' ? Buffer.from(raw) : raw,
});

describe('createWebhookHandler', () => {
  it('answers the GET verification only with the right token', async () => {
    const h = createWebhookHandler({ appSecret, verifyToken });
    const ok = await h.handle({
      method: 'GET',
      headers: {},
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1158201444' },
      rawBody: new Uint8Array(),
    });
    expect(ok).toMatchObject({ status: 200, body: '1158201444' });
    const bad = await h.handle({
      method: 'GET',
      headers: {},
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' },
      rawBody: new Uint8Array(),
    });
    expect(bad.status).toBe(403);
    const noMode = await h.handle({
      method: 'GET',
      headers: {},
      query: { 'hub.verify_token': verifyToken, 'hub.challenge': '1' },
      rawBody: new Uint8Array(),
    });
    expect(noMode.status).toBe(403);
  });

  it('rejects unsigned, badly signed and oversized posts before parsing', async () => {
    const events: unknown[] = [];
    const h = createWebhookHandler({
      appSecret,
      verifyToken,
      onEvents: (e) => {
        events.push(...e);
      },
    });
    const raw = metaJsonStringify(
      buildNotification(source, { statuses: [statusPayload('wamid.1', 'sent', '977981')] }),
    );
    expect((await h.handle({ ...post(raw), headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect((await h.handle(post(raw, signWebhookBody(raw, 'wrong')))).status).toBe(401);
    expect((await h.handle(post('not json at all'))).rejected).toBe('bad_json');
    expect((await h.handle(post('{"object":"page","entry":[]}'))).rejected).toBe('bad_payload');
    const big = Buffer.alloc(MAX_WEBHOOK_BYTES + 1, 32);
    expect((await h.handle(post(big))).status).toBe(413);
    expect(events).toHaveLength(0);
  });

  it('refuses a validly signed body that is not application/json (415) before parsing it', async () => {
    const events: unknown[] = [];
    const h = createWebhookHandler({ appSecret, verifyToken, onEvents: (e) => void events.push(...e) });
    const raw = metaJsonStringify(
      buildNotification(source, { statuses: [statusPayload('wamid.415', 'sent', '977981')] }),
    );
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await h.handle({ ...post(raw), headers: { ...post(raw).headers, 'content-type': type } });
      expect(res, String(type)).toMatchObject({ status: 415, rejected: 'media_type' });
    }
    expect(events).toHaveLength(0);
    const ok = await h.handle({
      ...post(raw),
      headers: { ...post(raw).headers, 'content-type': 'application/json; charset=UTF-8' },
    });
    expect(ok.status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('serves the verification echo (attacker-chosen text) with X-Content-Type-Options: nosniff', async () => {
    const h = createWebhookHandler({ appSecret, verifyToken });
    const echo = await h.handle({
      method: 'GET',
      headers: {},
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '<script>1</script>' },
      rawBody: new Uint8Array(),
    });
    expect(echo.headers).toMatchObject({ 'x-content-type-options': 'nosniff' });
  });

  it('parses every inbound type into typed events and keeps unknown ones raw', async () => {
    const h = createWebhookHandler({ appSecret, verifyToken });
    const base = (id: string, type: string, extra: object) => ({
      from: '9779812345678',
      id,
      timestamp: '1732250000',
      type,
      ...extra,
    });
    const messages = [
      base('w1', 'text', { text: { body: 'नमस्ते 🙏' } }),
      base('w2', 'interactive', { interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } }),
      base('w3', 'interactive', {
        interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Grade 5', description: 'Section A' } },
      }),
      base('w4', 'button', { button: { payload: 'STOP', text: 'Stop' }, context: { from: '977980', id: 'wamid.out' } }),
      base('w5', 'image', { image: { id: 'media1', mime_type: 'image/jpeg', sha256: 'x', caption: 'homework' } }),
      base('w6', 'location', { location: { latitude: 27.7172, longitude: 85.324, name: 'Kathmandu' } }),
      base('w7', 'reaction', { reaction: { message_id: 'wamid.out', emoji: '👍' } }),
      base('w8', 'document', { document: { id: 'media2', filename: 'report.pdf', mime_type: 'application/pdf' } }),
      base('w9', 'ephemeral_future_type', { whatever: { a: 1 } }),
      base('w10', 'text', { text: { notBody: 1 } }),
    ];
    const raw = metaJsonStringify(
      buildNotification(source, {
        contacts: [{ profile: { name: 'राम' }, wa_id: '9779812345678' }],
        messages,
        errors: [{ code: 131051, title: 'Unsupported message type' }],
      }),
    );
    const r = await h.handle(post(raw));
    expect(r.status).toBe(200);
    const msgs = r.events.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
    expect(msgs.map((m) => m.type)).toEqual([
      'text',
      'interactive',
      'interactive',
      'button',
      'image',
      'location',
      'reaction',
      'document',
      'unknown',
      'unknown',
    ]);
    const [text, button, list, tpl] = msgs;
    expect(text?.type === 'text' && text.text.body).toBe('नमस्ते 🙏');
    expect(
      button?.type === 'interactive' &&
        button.interactive.type === 'button_reply' &&
        button.interactive.button_reply.id,
    ).toBe('yes');
    expect(
      list?.type === 'interactive' && list.interactive.type === 'list_reply' && list.interactive.list_reply.description,
    ).toBe('Section A');
    expect(tpl?.type === 'button' && tpl.button.payload).toBe('STOP');
    expect(tpl?.context?.id).toBe('wamid.out');
    expect(msgs[8]).toMatchObject({
      type: 'unknown',
      originalType: 'ephemeral_future_type',
      raw: { whatever: { a: 1 } },
    });
    expect(msgs[9]).toMatchObject({ type: 'unknown', originalType: 'text' });
    const first = r.events[0];
    expect(first?.kind === 'message' && first.contact?.name).toBe('राम');
    expect(r.events.some((e) => e.kind === 'error' && e.errors[0]?.code === 131051)).toBe(true);
  });

  it('drops duplicated statuses and messages and keeps the final status right when reordered', async () => {
    const tracker = createMemoryStatusTracker();
    const h = createWebhookHandler({ appSecret, verifyToken, tracker });
    const s = (status: 'sent' | 'delivered' | 'read', t: number) =>
      statusPayload('wamid.A', status, '977981', new Date(t * 1000));
    const r1 = await h.handle(
      post(metaJsonStringify(buildNotification(source, { statuses: [s('read', 30), s('delivered', 20)] }))),
    );
    expect(r1.events).toHaveLength(2);
    const r2 = await h.handle(
      post(
        metaJsonStringify(buildNotification(source, { statuses: [s('sent', 10), s('delivered', 20), s('read', 30)] })),
      ),
    );
    expect(r2.events.map((e) => e.kind === 'status' && e.status.status)).toEqual(['sent']);
    expect(r2.duplicates).toBe(2);
    expect(await tracker.get('wamid.A')).toMatchObject({ status: 'read', timestamp: 30 });
  });

  it('forgets dedupe keys and answers 500 when storing fails, so the retry is processed', async () => {
    let fail = true;
    const seen: string[] = [];
    const h = createWebhookHandler({
      appSecret,
      verifyToken,
      onEvents: (events) => {
        if (fail) throw new Error('db down');
        seen.push(...events.map((e) => e.kind));
      },
    });
    const raw = metaJsonStringify(buildNotification(source, { statuses: [statusPayload('wamid.B', 'sent', '1')] }));
    expect((await h.handle(post(raw))).status).toBe(500);
    fail = false;
    expect((await h.handle(post(raw))).status).toBe(200);
    expect(seen).toEqual(['status']);
  });
});

describe('ACK only after storing (memory IdempotencyStore)', () =>
  acksOnlyWhatIsStored(() => createIdempotencyStore()));

describe('fake Graph webhook emitter → node:http receiver', () => {
  let fake: FakeGraph;
  const results: WebhookHandlerResult[] = [];
  let failFirst = 2;
  const tracker = createMemoryStatusTracker();
  const server = createServer((req, res) => {
    if (failFirst-- > 0) {
      req.resume();
      res.writeHead(503).end();
      return;
    }
    void nodeWebhookListener(createWebhookHandlerOnce(), { onResult: (r) => results.push(r) })(req, res);
  });
  let handler: ReturnType<typeof createWebhookHandler> | undefined;
  const createWebhookHandlerOnce = () => (handler ??= createWebhookHandler({ appSecret, verifyToken, tracker }));

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
    fake = await startFakeGraph({
      pairRate: false,
      customerServiceWindow: false,
      webhook: { url, appSecret, retryDelaysMs: [5, 5, 5], stepMs: 1, batchMs: 5, reorder: true, duplicates: 1 },
    });
  });
  afterAll(async () => {
    await fake.close();
    server.close();
  });

  it('retries after non-200, and duplicated, reordered statuses end at read', async () => {
    const send = async (to: string) => {
      const res = await fetch(`${fake.url}/v21.0/PNID/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fake.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', to, type: 'text', text: { body: 'नमस्ते / @' } }),
      });
      return ((await res.json()) as { messages: [{ id: string }] }).messages[0].id;
    };
    const ids = await Promise.all(['9779811111111', '9779822222222', '9779833333333'].map(send));
    await fake.flushWebhooks();
    expect(fake.emitter!.deliveries.filter((d) => d.status === 503)).toHaveLength(2);
    for (const id of ids) expect(await tracker.get(id)).toMatchObject({ status: 'read' });
    const events = results.flatMap((r) => r.events);
    expect(events).toHaveLength(9); // 3 messages × sent/delivered/read, each once despite duplicates
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBeGreaterThan(0);
  });
});
