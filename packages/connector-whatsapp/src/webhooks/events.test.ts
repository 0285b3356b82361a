import { isRelaykitError } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { buildNotification, statusPayload } from '../testing/notifications.js';
import { isWebhookPayloadError, parseWebhookPayload, WebhookPayloadError, webhookEventKey } from './events.js';

const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '977980' };

describe('parseWebhookPayload keeps what it cannot type', () => {
  it('keeps a message failing the base schema as unknown with the validation reason', () => {
    const ok = { from: '9779812345678', id: 'wamid.OK', timestamp: '1732250000', type: 'text', text: { body: 'hi' } };
    const noTimestamp = { from: '9779812345678', id: 'wamid.NOTS', type: 'text', text: { body: 'नमस्ते' } };
    const noId = { from: '9779812345678', timestamp: 1732250001, type: 'image' };
    const notAnObject = 'garbage';
    const events = parseWebhookPayload(buildNotification(source, { messages: [noTimestamp, ok, noId, notAnObject] }));
    const messages = events.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
    expect(messages).toHaveLength(4);
    expect(messages[0]).toMatchObject({
      type: 'unknown',
      originalType: 'text',
      id: 'wamid.NOTS',
      from: '9779812345678',
      timestamp: 0,
      raw: noTimestamp,
      parseError: expect.stringMatching(/^timestamp: /),
    });
    expect(messages[1]).toMatchObject({ type: 'text', id: 'wamid.OK', timestamp: 1732250000 });
    expect(messages[2]).toMatchObject({
      type: 'unknown',
      originalType: 'image',
      id: '',
      parseError: expect.stringMatching(/id: .*timestamp: |timestamp: .*id: |id: /),
    });
    expect(messages[3]).toMatchObject({
      type: 'unknown',
      originalType: '',
      raw: { value: 'garbage' },
      parseError: expect.stringContaining('(root)'),
    });
    // Messages with no id are still told apart (and deduplicated) by their content.
    const keys = events.map(webhookEventKey);
    expect(keys[0]).toBe('message:wamid.NOTS');
    expect(keys[2]).toMatch(/^message:raw:/);
    expect(keys[3]).toMatch(/^message:raw:/);
    expect(keys[2]).not.toBe(keys[3]);
    expect(webhookEventKey(parseWebhookPayload(buildNotification(source, { messages: [noId] }))[0]!)).toBe(keys[2]);
  });

  it('keeps a malformed status as invalid_status without dropping the other statuses of its change', () => {
    const broken = { id: 'wamid.S2', status: 'delivered', recipient_id: '977981' }; // no timestamp
    const events = parseWebhookPayload(
      buildNotification(source, {
        statuses: [
          statusPayload('wamid.S1', 'sent', '977981'),
          broken as unknown as ReturnType<typeof statusPayload>,
          statusPayload('wamid.S3', 'read', '977981'),
        ],
      }),
    );
    expect(events.map((e) => e.kind)).toEqual(['status', 'invalid_status', 'status']);
    expect(events[1]).toMatchObject({
      kind: 'invalid_status',
      source,
      raw: broken,
      reason: expect.stringMatching(/^timestamp: /),
    });
    expect(webhookEventKey(events[1]!)).toMatch(/^status:raw:/);
  });

  it('throws a coded, branded WebhookPayloadError only for a malformed envelope', () => {
    const error = (() => {
      try {
        parseWebhookPayload({ object: 'page', entry: [] });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(WebhookPayloadError);
    expect(isWebhookPayloadError(error)).toBe(true);
    expect(isRelaykitError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'WHATSAPP_WEBHOOK_PAYLOAD',
      isWebhookPayloadError: true,
      issues: [{ path: ['object'], message: expect.any(String) }],
    });
    // The guard survives a duplicated package copy: it reads the brand, not the prototype.
    expect(
      isWebhookPayloadError({ isRelaykitError: true, isWebhookPayloadError: true, code: 'WHATSAPP_WEBHOOK_PAYLOAD' }),
    ).toBe(true);
    expect(isWebhookPayloadError(new Error('x'))).toBe(false);
  });
});
