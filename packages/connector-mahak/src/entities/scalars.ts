import { z } from 'zod';

const INT = /^-?\d+$/;
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
    if (Number.isSafeInteger(value)) return String(value);
    text = String(value);
  } else throw new RangeError(`${JSON.stringify(value)} is not a decimal`);
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`${JSON.stringify(value)} is not a decimal`);
  const sign = m[1] === '-' ? '-' : '';
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let point = (m[2] ?? '').length + Number(m[4] ?? '0');
  if (point < 0) { digits = '0'.repeat(-point) + digits; point = 0; }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  let intPart = digits.slice(0, point).replace(/^0+/, '') || '0';
  let frac = digits.slice(point).replace(/0+$/, '');
  if (intPart.length > 40) throw new RangeError(`${JSON.stringify(value)} is too large`);
  const out = frac ? `${intPart}.${frac}` : intPart;
  return sign && out !== '0' ? sign + out : out;
}

/**
 * Parses a Mahak date: an ISO-8601 string (a value without an offset is read in `utcOffsetMinutes`), epoch ms, or the
 * legacy .NET `/Date(ms)/` form.
 */
export function toDate(value: unknown, utcOffsetMinutes = 0): Date {
  let date: Date;
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value);
  else if (typeof value === 'string' && /^\d+$/.test(value)) date = new Date(Number(value));
  else if (typeof value === 'string' && /^\/Date\(-?\d+([+-]\d{4})?\)\/$/.test(value)) date = new Date(Number(/-?\d+/.exec(value)![0])); // legacy .NET JSON
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
    date = new Date(zoned ? value : `${value.length === 10 ? `${value}T00:00:00` : value}Z`);
    if (!zoned) date = new Date(date.getTime() - utcOffsetMinutes * 60_000);
  } else throw new RangeError(`${JSON.stringify(value)} is not a date`);
  if (Number.isNaN(date.getTime())) throw new RangeError(`${JSON.stringify(value)} is not a valid date`);
  return date;
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
export const int32 = () => z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1);
