import { ValidationError } from '@relaykit/sdk-core';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** Options of {@link normalizePhoneNumber}. */
export interface PhoneOptions {
  /** Region a number without a country code is read in (ISO 3166 alpha-2), e.g. `NP`. */
  defaultRegion?: string;
}

/**
 * Normalises a phone number to E.164 (`+97798XXXXXXXX`) with libphonenumber-js, so the same parent
 * is never two recipients. Local numbers are read in `defaultRegion` (`9841234567` → `+9779841234567`
 * for NP). Throws a {@link ValidationError} for anything that is not a valid number.
 */
export function normalizePhoneNumber(input: string, options: PhoneOptions = {}): string {
  const trimmed = String(input ?? '').trim();
  // `00` is the international prefix in most regions, WhatsApp's own exports use bare digits with country code.
  const candidate = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  const region = options.defaultRegion?.toUpperCase() as CountryCode | undefined;
  let parsed = parsePhoneNumberFromString(candidate, region ? { defaultCountry: region } : undefined);
  // Meta's `wa_id` and webhook `from` carry the country code without `+`.
  if ((!parsed || !parsed.isValid()) && /^\d{8,15}$/.test(candidate)) {
    const international = parsePhoneNumberFromString(`+${candidate}`);
    if (international?.isValid()) parsed = international;
  }
  if (!parsed || !parsed.isValid()) {
    throw new ValidationError(
      `Invalid phone number ${JSON.stringify(mask(trimmed))}${region ? ` (read in region ${region})` : ' (no default region: use the +country code form)'}`,
      [{ path: ['to'], message: 'not a valid phone number' }],
    );
  }
  return parsed.number;
}

/** E.164 without the `+`, as the Cloud API's `to` and `wa_id` carry it. */
export function toWaId(e164: string): string {
  return e164.replace(/^\+/, '');
}

// Keeps error messages useful without writing a full personal number into logs.
function mask(value: string): string {
  return value.length <= 4 ? value : `${value.slice(0, 3)}…${value.slice(-2)}`;
}
