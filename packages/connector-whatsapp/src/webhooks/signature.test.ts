import { describe, expect, it } from 'vitest';
import { metaJsonStringify } from '../testing/meta-json.js';
import { buildNotification, inboundText } from '../testing/notifications.js';
import { signWebhookBody, verifyWebhookSignature } from './signature.js';

const secret = 'app-secret-123';
const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '9779800000000' };
const body = (text: string) =>
  metaJsonStringify(buildNotification(source, inboundText('9779812345678', text, { name: 'Sita Sharma' })));

describe('verifyWebhookSignature', () => {
  it.each([
    ['Nepali', 'नमस्ते, विद्यालय भोलि बन्द छ'],
    ['emoji', 'see you 👋🏽 🎉'],
    ['slash and at', 'https://school.example/np/notice @ 10/11'],
    ['accents', 'café résumé'],
    ['at sign', 'write to principal@school.edu.np'],
  ])('accepts a Meta-escaped %s body signed over its exact bytes', (_name, text) => {
    const raw = Buffer.from(body(text), 'utf8');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included, is the point
    expect(raw.toString()).toMatch(/^[\x00-\x7f]*$/); // Meta escapes everything non-ASCII
    expect(verifyWebhookSignature(raw, signWebhookBody(raw, secret), secret)).toBe(true);
  });

  it('escapes like Meta: lowercase \\uXXXX and \\/', () => {
    expect(metaJsonStringify({ t: 'न/é👋' })).toBe('{"t":"\\u0928\\/\\u00e9\\ud83d\\udc4b"}');
  });

  // `@` alone survives re-serialisation byte for byte; with `/` or any non-ASCII it does not.
  it.each(['नमस्ते', '👋', 'a/b', 'me@school.np/notice', 'café'])(
    'rejects a body re-serialised after parsing (%s)',
    (text) => {
      const raw = body(text);
      const signature = signWebhookBody(raw, secret);
      const reserialised = JSON.stringify(JSON.parse(raw));
      expect(reserialised).not.toBe(raw);
      expect(verifyWebhookSignature(Buffer.from(reserialised), signature, secret)).toBe(false);
    },
  );

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

// Known-answer vectors: bodies escaped as Meta escapes them, HMACs computed outside this module with
//   printf '%s' "$BODY" | openssl dgst -sha256 -hmac 'app-secret-123'      (OpenSSL 3.0)
// so a wrong key use, encoding or digest in signature.ts cannot hide behind its own signWebhookBody.
const envelope = (body: string) =>
  String.raw`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"9779800000000","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"\u0938\u0940\u0924\u093e \u0936\u0930\u094d\u092e\u093e"},"wa_id":"9779812345678"}],"messages":[{"from":"9779812345678","id":"wamid.HBgNOTc3OTgxMjM0NTY3OBUCABIYFjNFQjA","timestamp":"1732250000","text":{"body":"` +
  body +
  '"},"type":"text"}]},"field":"messages"}]}]}';
const vectors = [
  {
    name: 'Nepali',
    body: String.raw`\u0928\u092e\u0938\u094d\u0924\u0947`,
    text: 'नमस्ते',
    hmac: 'f5a2370f8ef9907c1adbb6bd6bc16ff82ae1165d33788cc98ac590d77a2ac009',
  },
  {
    name: 'emoji (surrogate pairs, skin tone)',
    body: String.raw`\ud83d\udc4b\ud83c\udffd \ud83c\udf89`,
    text: '👋🏽 🎉',
    hmac: 'e975cdf28074c1191406f816dc4143826ed0b0d10219b2efd27d3cc68075a6d3',
  },
  {
    name: '\\/ and @ escaped as \\u0040',
    body: String.raw`https:\/\/school.example\/np\/notice \u0040 10\/11 principal\u0040school.edu.np`,
    text: 'https://school.example/np/notice @ 10/11 principal@school.edu.np',
    hmac: '59684f9c0ace60d36e82a9b56250aafc46068660d65aaf7d8681cda75fb29ae9',
  },
  {
    name: '\\/ with a literal @',
    body: String.raw`write to principal@school.edu.np \/ office`,
    text: 'write to principal@school.edu.np / office',
    hmac: '6f6de9608df9a52e20bd87a6008bbb8cd518c5e29bdc24d5501803cb48af7a66',
  },
  {
    name: 'all together',
    body: String.raw`\u0928\u092e\u0938\u094d\u0924\u0947 \ud83d\udc4b a\/b me\u0040x.np`,
    text: 'नमस्ते 👋 a/b me@x.np',
    hmac: '1fcd114f94a0362df8e4a747e2629866e262208ac48ca977777d323a5f9d9f53',
  },
];

describe('known-answer vectors (HMACs from openssl)', () => {
  it.each(vectors)('$name', ({ body: escaped, text, hmac }) => {
    const raw = envelope(escaped);
    // The vector really carries the characters it claims to, escaped (the bytes are pure ASCII).
    expect(
      (JSON.parse(raw) as { entry: [{ changes: [{ value: { messages: [{ text: { body: string } }] } }] }] }).entry[0]
        .changes[0].value.messages[0].text.body,
    ).toBe(text);
    expect(raw).toMatch(/^[\x20-\x7e]*$/);
    expect(signWebhookBody(raw, secret)).toBe(`sha256=${hmac}`);
    expect(signWebhookBody(Buffer.from(raw, 'utf8'), secret)).toBe(`sha256=${hmac}`);
    expect(verifyWebhookSignature(Buffer.from(raw, 'utf8'), `sha256=${hmac}`, secret)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(raw, 'utf8'), `sha256=${hmac.toUpperCase()}`, secret)).toBe(true);
    // One flipped hex digit, the decoded text, or another key: all refused.
    const flipped = `${hmac.slice(0, -1)}${hmac.endsWith('0') ? '1' : '0'}`;
    expect(verifyWebhookSignature(Buffer.from(raw, 'utf8'), `sha256=${flipped}`, secret)).toBe(false);
    expect(verifyWebhookSignature(Buffer.from(JSON.stringify(JSON.parse(raw))), `sha256=${hmac}`, secret)).toBe(false);
    expect(verifyWebhookSignature(Buffer.from(raw, 'utf8'), `sha256=${hmac}`, `${secret} `)).toBe(false);
  });

  it('the fake escapes exactly like the vectors (apart from @, which Meta may send either way)', () => {
    for (const v of vectors.filter((x) => !x.body.includes('\\u0040'))) {
      const raw = envelope(v.body);
      expect(metaJsonStringify(JSON.parse(raw))).toBe(raw);
    }
  });
});
