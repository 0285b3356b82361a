import { z } from 'zod';

const INT = /^-?\d+$/;

/**
 * True for a value that stands for "unset" in an optional field: `null`, `undefined`, or a string of only
 * whitespace. Mahak's public clients disagree on how an unset value is written (`null`, `""`, or left out), so an
 * optional date, number or id reads all three as NULL; a required one still fails on `""`.
 */
export function isUnset(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'string') return false;
  // The common non-blank string (a date, a digit string) is decided by its first character, without a trim.
  if (value.length === 0) return true;
  const first = value.charCodeAt(0);
  return (first <= 32 || first === 0xa0 || first === 0xfeff || first >= 0x2000) && value.trim() === '';
}
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Converts a JSON value to an int64 bigint without ever going through a float: accepts a safe-integer number, a
 * bigint, or a digit string (what {@link parseLosslessJson} leaves for large integers). Throws a `RangeError` otherwise.
 */
export function toInt64(value: unknown): bigint {
  let result: bigint;
  if (typeof value === 'bigint') result = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not an exact integer`);
    result = BigInt(value);
  } else if (typeof value === 'string' && INT.test(value)) result = BigInt(value);
  else throw new RangeError(`${JSON.stringify(value)} is not an int64`);
  if (result < INT64_MIN || result > INT64_MAX) throw new RangeError(`${result} is outside the int64 range`);
  return result;
}

/**
 * Normalises a decimal to its exact canonical text (no exponent, no trailing fraction zeros, no `+`), e.g.
 * `"1.2500E3"` → `"1250"`, `12.10` → `"12.1"`. Numbers are accepted only when they are exact (from JSON text of
 * at most 15 significant digits, which {@link parseLosslessJson} guarantees).
 */
export function toDecimal(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'bigint') return value.toString();
  else if (typeof value === 'number' && Number.isFinite(value)) {
    if (Number.isSafeInteger(value)) return value === 0 ? '0' : String(value);
    // Money has at most two decimals: when the double is the one nearest to a whole number of cents, that number of
    // cents is the decimal (a double tells apart every decimal of up to 15 significant digits), and formatting it
    // is cheaper than String(n)'s shortest round-trip search.
    const cents = Math.round(value * 100);
    if (Number.isSafeInteger(cents) && cents / 100 === value) return centsText(cents);
    // String(n) is already canonical (no "+", no trailing zeros) unless it needs an exponent.
    text = String(value);
    if (text.indexOf('e') === -1) return text === '-0' ? '0' : text;
  } else throw new RangeError(`${JSON.stringify(value)} is not a decimal`);
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`${JSON.stringify(value)} is not a decimal`);
  const sign = m[1] === '-' ? '-' : '';
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let point = (m[2] ?? '').length + Number(m[4] ?? '0');
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const intPart = digits.slice(0, point).replace(/^0+/, '') || '0';
  const frac = digits.slice(point).replace(/0+$/, '');
  if (intPart.length > 40) throw new RangeError(`${JSON.stringify(value)} is too large`);
  const out = frac ? `${intPart}.${frac}` : intPart;
  return sign && out !== '0' ? sign + out : out;
}

/** Canonical decimal text of a whole number of cents (`7919010` → `"79190.1"`). */
function centsText(cents: number): string {
  const abs = cents < 0 ? -cents : cents;
  const units = Math.floor(abs / 100);
  const fraction = abs - units * 100;
  const sign = cents < 0 ? '-' : '';
  if (fraction === 0) return `${sign}${units}`;
  return fraction % 10 === 0
    ? `${sign}${units}.${fraction / 10}`
    : `${sign}${units}.${fraction < 10 ? '0' : ''}${fraction}`;
}

/**
 * Parses a Mahak date: an ISO-8601 string (a value without an offset is read in `utcOffsetMinutes`), epoch ms, or the
 * legacy .NET `/Date(ms)/` form.
 */
export function toDate(value: unknown, utcOffsetMinutes = 0): Date {
  let date: Date;
  if (typeof value === 'string' && value.length === 19) {
    // The common case, `YYYY-MM-DDTHH:MM:SS` as .NET writes a local time: read without a regex or the date parser.
    const ms = localDateTime(value);
    if (ms !== undefined) return new Date(ms - utcOffsetMinutes * 60_000);
  }
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value);
  else if (typeof value === 'string' && /^\d+$/.test(value)) date = new Date(Number(value));
  else if (typeof value === 'string' && /^\/Date\(-?\d+([+-]\d{4})?\)\/$/.test(value))
    date = new Date(Number(/-?\d+/.exec(value)![0])); // legacy .NET JSON
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
    date = new Date(zoned ? value : `${value.length === 10 ? `${value}T00:00:00` : value}Z`);
    if (!zoned) date = new Date(date.getTime() - utcOffsetMinutes * 60_000);
  } else throw new RangeError(`${JSON.stringify(value)} is not a date`);
  if (Number.isNaN(date.getTime())) throw new RangeError(`${JSON.stringify(value)} is not a valid date`);
  return date;
}

/** Epoch ms of a valid `YYYY-MM-DDTHH:MM:SS` read as UTC, or undefined (anything else goes the general way). */
function localDateTime(s: string): number | undefined {
  if (
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  )
    return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined; // not this shape
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2024-02-30 over into March and 24:00 into the next day: such values are not valid dates.
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    new Date(ms).getUTCDate() !== day
  ) {
    throw new RangeError(`${JSON.stringify(s)} is not a valid date`);
  }
  return ms;
}

/** The decimal number in `s[from, from + count)`, or -1 when a character is not a digit. */
function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function refine<T>(convert: (v: unknown) => T) {
  return (value: unknown, ctx: z.RefinementCtx): T => {
    try {
      return convert(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  };
}

/** zod: an int64 parsed losslessly into a bigint. */
export const int64 = () => z.unknown().transform(refine(toInt64));
/** zod: an exact decimal as canonical text. */
export const decimal = () => z.unknown().transform(refine(toDecimal));
/** zod: a Mahak date as a `Date` (offset-less values are read as UTC; the transformer applies the server offset). */
export const mahakDate = () => z.unknown().transform(refine((v) => toDate(v)));
/** zod: a 32-bit integer. */
export const int32 = () =>
  z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1);
