import { ValidationError } from '@relaykit/sdk-core';
import { getCountries, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';

/** Options of {@link normalizePhoneNumber}. */
export interface PhoneOptions {
  /** Region a number without a country code is read in (ISO 3166 alpha-2), e.g. `NP`. */
  defaultRegion?: string;
}

/**
 * Normalises a phone number to E.164 (`+97798XXXXXXXX`) with libphonenumber-js, so the same parent
 * is never two recipients. Local numbers are read in `defaultRegion` (`9841234567` → `+9779841234567`
 * for NP). Throws a `ValidationError` (`@relaykit/sdk-core`) for anything that is not a valid number.
 */
export function normalizePhoneNumber(input: string, options: PhoneOptions = {}): string {
  const trimmed = String(input ?? '').trim();
  // `00` is the international prefix in most regions, WhatsApp's own exports use bare digits with country code.
  const candidate = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  const region = options.defaultRegion?.toUpperCase() as CountryCode | undefined;
  let parsed = parsePhoneNumberFromString(candidate, region ? { defaultCountry: region } : undefined);
  // Meta's `wa_id` and webhook `from` carry the country code without `+`.
  if (!parsed?.isValid() && /^\d{8,15}$/.test(candidate)) {
    const international = parsePhoneNumberFromString(`+${candidate}`);
    if (international?.isValid()) parsed = international;
  }
  if (!parsed?.isValid()) {
    throw new ValidationError(
      `Invalid phone number ${JSON.stringify(mask(trimmed))}${region ? ` (read in region ${region})` : ' (no default region: use the +country code form)'}`,
      [{ path: ['to'], message: 'not a valid phone number' }],
    );
  }
  return parsed.number;
}

const REGIONS = getCountries();
// Regions that matched lately are tried first: a school's recipients share one or two regions.
const recent: CountryCode[] = [];
const PHONE_CHARACTERS = /^\+?[\d\s().\-/]+$/;

/**
 * True when `input` is a valid phone number in *some* region, or as a `+` (or `00`) international
 * number, or as country code and number without `+` (Meta's `wa_id` form). The check a static
 * schema can make when the default region is only known at run time: `12` never is a number
 * anywhere, while `9841234567` is one in Nepal. {@link normalizePhoneNumber} still decides with the
 * configured region when sending.
 */
export function isPhoneNumberInSomeRegion(input: string): boolean {
  if (typeof input !== 'string') return false;
  const trimmed = input.trim();
  if (!PHONE_CHARACTERS.test(trimmed)) return false;
  const digits = trimmed.replace(/\D/g, '').length;
  // E.164 caps numbers at 15 digits; national forms may carry a trunk or international prefix on top.
  if (digits < 3 || digits > 18) return false;
  const candidate = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  if (candidate.startsWith('+')) return parsePhoneNumberFromString(candidate)?.isValid() === true;
  if (/^\d{8,15}$/.test(candidate) && parsePhoneNumberFromString(`+${candidate}`)?.isValid()) return true;
  const tried = new Set<CountryCode>();
  for (const region of [...recent, ...REGIONS]) {
    if (tried.has(region)) continue;
    tried.add(region);
    if (parsePhoneNumberFromString(candidate, { defaultCountry: region })?.isValid()) {
      const at = recent.indexOf(region);
      if (at !== 0) {
        if (at > 0) recent.splice(at, 1);
        recent.unshift(region);
        if (recent.length > 8) recent.pop();
      }
      return true;
    }
  }
  return false;
}

/**
 * A recipient as operation inputs take it: any number that is valid in some region (see
 * {@link isPhoneNumberInSomeRegion}); normalised to E.164 with the configured region when sent.
 */
export const RecipientPhoneNumber = z.string().min(1).refine(isPhoneNumberInSomeRegion, {
  message:
    'not a phone number in any region: use E.164 (+9779841234567) or a local number valid in the configured default region',
});

/** E.164 without the `+`, as the Cloud API's `to` and `wa_id` carry it. */
export function toWaId(e164: string): string {
  return e164.replace(/^\+/, '');
}

// Keeps error messages useful without writing a full personal number into logs.
function mask(value: string): string {
  return value.length <= 4 ? value : `${value.slice(0, 3)}…${value.slice(-2)}`;
}
