import { instantiateConnector, isValidationError } from '@relaykit/sdk-core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { whatsappConnector } from './connector.js';
import { whatsAppClassifier } from './errors/index.js';
import { startFakeGraph, type FakeGraph } from './testing/index.js';
import { metaJsonStringify } from './testing/meta-json.js';
import { buildNotification, statusPayload } from './testing/notifications.js';
import { signWebhookBody } from './webhooks/signature.js';

let fake: FakeGraph;
beforeEach(async () => {
  fake = await startFakeGraph({ throughputPerSecond: 1000 });
});
afterEach(async () => {
  await fake.close();
});

const config = () => ({
  phoneNumberId: 'PNID',
  accessToken: fake.accessToken,
  appSecret: 'secret',
  verifyToken: 'vt',
  baseUrl: fake.url,
  messagesPerSecond: 500,
  defaultRegion: 'NP',
  timeZone: 'Asia/Kathmandu',
});

it('runs operations through the connector contract, idempotently per key', async () => {
  const wa = await instantiateConnector(whatsappConnector, { config: config() });
  try {
    const a = await wa.run(
      'sendTemplate',
      {
        to: '9841234567',
        name: 'notice',
        language: 'en_US',
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Holiday' }] }],
      },
      { idempotencyKey: 'n-1' },
    );
    const b = await wa.run(
      'sendTemplate',
      {
        to: '9841234567',
        name: 'notice',
        language: 'en_US',
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Holiday' }] }],
      },
      { idempotencyKey: 'n-1' },
    );
    expect(b).toMatchObject({ messageId: a.messageId, replayed: true });
    expect(fake.messages).toHaveLength(1);
    const progress: unknown[] = [];
    const r = await wa.run(
      'broadcast',
      {
        broadcastId: 'x',
        template: { name: 'notice', language: 'en_US' },
        recipients: [{ to: '9841000001' }, { to: '9841000002' }, { to: 'bad' }],
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(r).toMatchObject({ total: 3, sent: 2, invalid: 1 });
    expect(progress.length).toBeGreaterThan(0);
    await expect(wa.run('sendText', { to: '9841234567', body: '' })).rejects.toSatisfy(isValidationError);
  } finally {
    await wa.close();
  }
});

it('exposes the verified webhook: handshake, verify over raw bytes, parse, dedupe key, status tracking', async () => {
  const wa = await instantiateConnector(whatsappConnector, { config: config() });
  try {
    const hook = whatsappConnector.webhooks!.messages!;
    const ctx = { ...wa.services, instance: wa.instance, config: config(), state: wa.state };
    expect(
      hook.handshake!(ctx, {
        method: 'GET',
        headers: {},
        query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'vt', 'hub.challenge': '42' },
        rawBody: new Uint8Array(),
      }),
    ).toMatchObject({ status: 200, body: '42' });
    const raw = Buffer.from(
      metaJsonStringify(
        buildNotification(
          { wabaId: 'W', phoneNumberId: 'PNID', displayPhoneNumber: '977' },
          {
            statuses: [
              statusPayload('wamid.Z', 'read', '9779841234567'),
              statusPayload('wamid.Z', 'delivered', '9779841234567'),
            ],
          },
        ),
      ),
    );
    const request = {
      method: 'POST',
      headers: { 'x-hub-signature-256': signWebhookBody(raw, 'secret') },
      query: {},
      rawBody: raw,
    };
    expect(await hook.verify(ctx, request)).toBe(true);
    expect(await hook.verify(ctx, { ...request, headers: {} })).toBe(false);
    const events = hook.parse(ctx, request);
    expect(events.map((e) => hook.dedupeKey!(e))).toEqual(['status:wamid.Z:read', 'status:wamid.Z:delivered']);
    const opCtx = {
      ...wa.services,
      instance: wa.instance,
      state: wa.state,
      signal: new AbortController().signal,
      attempt: 1,
      progress: () => undefined,
    };
    for (const e of events) await hook.handle!(opCtx, e);
    expect(await wa.run('deliveryStatus', { messageId: 'wamid.Z' })).toMatchObject({ status: 'read' });
  } finally {
    await wa.close();
  }
});

it('classifies Meta errors by code', () => {
  const err = (code: number) =>
    Object.assign(new Error('x'), {
      isRelaykitError: true,
      isHttpError: true,
      status: 400,
      body: { error: { code, message: 'm', fbtrace_id: 't' } },
    });
  expect(whatsAppClassifier(err(130429), { attempt: 1, idempotent: true })).toEqual({
    action: 'retry_after',
    delayMs: 1000,
  });
  expect(whatsAppClassifier(err(131056), { attempt: 3, idempotent: true })).toEqual({
    action: 'retry_after',
    delayMs: 16_000,
  });
  expect(whatsAppClassifier(err(131047), { attempt: 1, idempotent: true })).toEqual({ action: 'fatal' });
  expect(whatsAppClassifier(err(132000), { attempt: 1, idempotent: true })).toEqual({ action: 'fatal' });
  expect(whatsAppClassifier(err(190), { attempt: 1, idempotent: true })).toEqual({ action: 'fatal' });
  expect(whatsAppClassifier(err(131000), { attempt: 1, idempotent: true })).toEqual({ action: 'retry' });
  expect(whatsAppClassifier(new Error('other'), { attempt: 1, idempotent: true })).toBeUndefined();
});

it("reports health from the number's state at Meta: status, quality, throughput level, credentials", async () => {
  const wa = await instantiateConnector(whatsappConnector, { config: config() });
  try {
    const health = () =>
      whatsappConnector.health!({
        ...wa.services,
        instance: wa.instance,
        state: wa.state,
        signal: AbortSignal.timeout(2000),
        attempt: 1,
        progress: () => undefined,
      });
    expect(await health()).toEqual({
      ok: true,
      details: expect.objectContaining({
        id: 'PNID',
        status: 'CONNECTED',
        qualityRating: 'GREEN',
        throughputLevel: 'HIGH',
        maxMessagesPerSecond: 1000,
        configuredMessagesPerSecond: 500,
        problems: [],
        warnings: [],
      }),
    });
    fake.setPhoneNumber('PNID', { quality_rating: 'YELLOW' });
    expect(await health()).toMatchObject({ ok: true, details: { warnings: ['quality rating is YELLOW'] } });
    // A number still on the standard level cannot take the configured 500/s: every send past 80/s would meet 130429.
    fake.setPhoneNumber('PNID', { quality_rating: 'RED', throughput: { level: 'STANDARD' }, status: 'FLAGGED' });
    const bad = await health();
    expect(bad.ok).toBe(false);
    expect(bad.details!.problems).toEqual([
      'phone number status is FLAGGED',
      'quality rating is RED: Meta may lower the messaging limit or restrict the number',
      "configured for 500 messages/s but the number's throughput level STANDARD allows 80/s",
    ]);
    fake.expireToken();
    expect(await health()).toMatchObject({ ok: false, details: { code: 'WHATSAPP_CREDENTIALS', metaCode: 190 } });
  } finally {
    await wa.close();
  }
});

it('checks recipients at submit against the default region: a local number needs one, a +number never does', async () => {
  const { defaultRegion: _np, ...withoutRegion } = config();
  const plain = await instantiateConnector(whatsappConnector, { config: withoutRegion });
  const nepal = await instantiateConnector(whatsappConnector, { config: config() });
  try {
    const template = { name: 'fee_reminder', language: 'ne' };
    for (const name of ['sendText', 'sendTemplate', 'sendInteractive', 'sendMedia'] as const) {
      const check = whatsappConnector.operations[name].check!;
      expect(check(plain.state, { ...template, to: '9841234567' } as never)).toEqual([
        { path: ['to'], message: expect.stringMatching(/no default region: use the \+country code form/) },
      ]);
      expect(check(plain.state, { ...template, to: '+9779841234567' } as never)).toEqual([]);
      expect(check(nepal.state, { ...template, to: '9841234567' } as never)).toEqual([]);
      // The message names the number masked, never in clear (it reaches the client and the logs).
      expect(JSON.stringify(check(plain.state, { ...template, to: '9841234567' } as never))).not.toContain(
        '9841234567',
      );
    }
  } finally {
    await plain.close();
    await nepal.close();
  }
});
