import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Verifies Meta's `X-Hub-Signature-256` header over the **raw** request bytes, in constant time.
 * A missing, malformed, truncated or wrong signature is `false` — never a bypass. Never call this
 * with a re-serialised body: Meta escapes non-ASCII and `/`, so re-serialising changes the bytes.
 */
export function verifyWebhookSignature(
  rawBody: Uint8Array | string,
  signatureHeader: string | undefined | null,
  appSecret: string,
): boolean {
  if (!appSecret) throw new TypeError('verifyWebhookSignature needs the app secret');
  if (typeof signatureHeader !== 'string') return false;
  const match = HEADER.exec(signatureHeader.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Computes the header value Meta would send for `rawBody`: `sha256=<lowercase hex>`. */
export function signWebhookBody(rawBody: Uint8Array | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}
