import { describe, expect, it } from 'vitest';
import { metaJsonStringify } from '../testing/meta-json.js';
import { buildNotification, inboundText } from '../testing/notifications.js';
import { signWebhookBody, verifyWebhookSignature } from './signature.js';

const secret = 'app-secret-123';
const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '9779800000000' };
const body = (text: string) => metaJsonStringify(buildNotification(source, inboundText('9779812345678', text, { name: 'Sita Sharma' })));

describe('verifyWebhookSignature', () => {
  it.each([
    ['Nepali', 'नमस्ते, विद्यालय भोलि बन्द छ'],
    ['emoji', 'see you 👋🏽 🎉'],
    ['slash and at', 'https://school.example/np/notice @ 10/11'],
    ['accents', 'café résumé'],
    ['at sign', 'write to principal@school.edu.np'],
  ])('accepts a Meta-escaped %s body signed over its exact bytes', (_name, text) => {
    const raw = Buffer.from(body(text), 'utf8');
    expect(raw.toString()).toMatch(/^[\x00-\x7f]*$/); // Meta escapes everything non-ASCII
    expect(verifyWebhookSignature(raw, signWebhookBody(raw, secret), secret)).toBe(true);
  });

  it('escapes like Meta: lowercase \\uXXXX and \\/', () => {
    expect(metaJsonStringify({ t: 'न/é👋' })).toBe('{"t":"\\u0928\\/\\u00e9\\ud83d\\udc4b"}');
  });

  // `@` alone survives re-serialisation byte for byte; with `/` or any non-ASCII it does not.
  it.each(['नमस्ते', '👋', 'a/b', 'me@school.np/notice', 'café'])('rejects a body re-serialised after parsing (%s)', (text) => {
    const raw = body(text);
    const signature = signWebhookBody(raw, secret);
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).not.toBe(raw);
    expect(verifyWebhookSignature(Buffer.from(reserialised), signature, secret)).toBe(false);
  });

  it('rejects forged, missing, malformed and truncated signatures', () => {
    const raw = Buffer.from(body('नमस्ते'));
    const good = signWebhookBody(raw, secret);
    expect(verifyWebhookSignature(raw, signWebhookBody(raw, 'other-secret'), secret)).toBe(false);
    expect(verifyWebhookSignature(raw, undefined, secret)).toBe(false);
    expect(verifyWebhookSignature(raw, '', secret)).toBe(false);
    expect(verifyWebhookSignature(raw, good.slice(0, -2), secret)).toBe(false);
    expect(verifyWebhookSignature(raw, 'sha256=', secret)).toBe(false);
    expect(verifyWebhookSignature(raw, good.replace('sha256=', 'sha1='), secret)).toBe(false);
    expect(verifyWebhookSignature(raw, good.replace('sha256=', ''), secret)).toBe(false);
    expect(verifyWebhookSignature(raw.subarray(0, raw.length - 1), good, secret)).toBe(false);
    expect(verifyWebhookSignature(raw, good, secret)).toBe(true);
  });
});
