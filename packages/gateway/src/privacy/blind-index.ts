import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { PiiKind } from '@relaykit/sdk-core';

/** Identifier kinds the blind index holds. */
export type IdentifierKind = Extract<PiiKind, 'phone' | 'email' | 'id'>;

/** True for the kinds that identify a person. */
export const isIdentifierKind = (kind: PiiKind): kind is IdentifierKind =>
  kind === 'phone' || kind === 'email' || kind === 'id';

/**
 * The canonical form of an identifier, so every spelling of it meets in the index: E.164 for phone numbers (a
 * number without country code read in `region`; WhatsApp ids, digits without `+`, read as international), lower-cased
 * e-mail addresses, trimmed ids. A phone that does not parse keeps its digits.
 */
export function normaliseIdentifier(kind: IdentifierKind, value: string, region?: string): string {
  const text = value.trim();
  if (kind === 'email') return text.toLowerCase();
  if (kind === 'id') return text;
  const parsed =
    parsePhoneNumberFromString(text, region as CountryCode | undefined) ??
    (/^\d{8,15}$/.test(text) ? parsePhoneNumberFromString(`+${text}`) : undefined);
  if (parsed?.isValid()) return parsed.number;
  if (/^\d{8,15}$/.test(text)) {
    const international = parsePhoneNumberFromString(`+${text}`);
    if (international?.isValid()) return international.number;
  }
  const digits = text.replace(/\D/g, '');
  return text.startsWith('+') ? `+${digits}` : digits;
}

/**
 * Keyed HMAC-SHA256 of normalised identifiers: the same subject always gets the same index value, and the database
 * alone (without the key, kept apart from the encryption keys) does not say who is in it.
 */
export class BlindIndex {
  private readonly key: Buffer;

  constructor(
    key: string | Uint8Array,
    private readonly region?: string,
  ) {
    this.key =
      typeof key === 'string' ? Buffer.from(key.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : Buffer.from(key);
    if (this.key.length < 32) throw new RangeError('the blind index key must be at least 32 bytes (base64)');
  }

  /** The index value of one identifier (hex). */
  of(kind: IdentifierKind, value: string): string {
    return createHmac('sha256', this.key)
      .update(`${kind}\u0000${normaliseIdentifier(kind, value, this.region)}`)
      .digest('hex');
  }
}
