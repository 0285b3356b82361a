/**
 * Lossless JSON for .NET services. Mahak writes int64 values (RowVersion, ids) and decimals (money) as bare JSON
 * numbers with all their digits; `JSON.parse` would round any integer above 2^53 and any decimal with more than
 * 15 significant digits, and Node 20 has no source-text access in revivers. So the text is rewritten first:
 * every number token that a double may not hold exactly — an integer of 16 digits or more, or any number with a
 * fraction or an exponent — is wrapped in quotes, then the native parser runs. Schemas turn those strings into
 * bigints (int64 fields) or exact decimal strings (money).
 */

// A number token a double may not hold exactly: 16+ digits, or a fraction, or an exponent.
const RISKY_NUMBER = /-?(?:\d{16,}(?:\.\d+)?(?:[eE][+-]?\d+)?|\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+))/g;
// Cheap pre-check: no long digit run, fraction or exponent anywhere means JSON.parse is already exact.
const MAY_LOSE = /\d{16}|\d\.\d|\d[eE]/;

/** Whether the structural text `[from, to)` (outside any string) holds a risky number. */
function risky(text: string, from: number, to: number): boolean {
  let run = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run >= 16) return true;
    } else {
      if ((c === 46 || c === 101 || c === 69) && run > 0) return true; // ".", "e", "E" right after a digit
      run = 0;
    }
  }
  return false;
}

/**
 * Parses JSON without losing precision: numbers a double cannot hold exactly (integers of 16+ digits, numbers with a
 * fraction or exponent) come back as their exact source text (a string); every other number as a `number`.
 * Strings are skipped with `indexOf` (never scanned by a regex), so the rewrite costs little beyond `JSON.parse`.
 *
 * @example
 * ```ts
 * parseLosslessJson('{"RowVersion":9007199254741993,"Price":12.10}') // { RowVersion: '9007199254741993', Price: '12.10' }
 * ```
 */
export function parseLosslessJson(text: string): unknown {
  if (!MAY_LOSE.test(text)) return JSON.parse(text);
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const quote = text.indexOf('"', i);
    const end = quote === -1 ? n : quote;
    if (end > i && risky(text, i, end)) {
      parts.push(text.slice(copied, i), text.slice(i, end).replace(RISKY_NUMBER, '"$&"'));
      copied = end;
    }
    if (quote === -1) break;
    // Skip the string: its end is the next quote not escaped by an odd run of backslashes.
    let j = quote + 1;
    for (;;) {
      const k = text.indexOf('"', j);
      if (k === -1) { i = n; break; }
      let slashes = 0;
      for (let b = k - 1; text.charCodeAt(b) === 92; b--) slashes++;
      if (slashes % 2 === 0) { i = k + 1; break; }
      j = k + 1;
    }
  }
  if (copied === 0) return JSON.parse(text);
  parts.push(text.slice(copied));
  return JSON.parse(parts.join(''));
}

/** A number kept as its exact decimal text, written to JSON as a bare number (e.g. a .NET decimal). */
export class JsonNumber {
  /** The number's text, e.g. `"125000.50"`. */
  readonly text: string;
  constructor(text: string) {
    if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) throw new TypeError(`not a JSON number: ${JSON.stringify(text)}`);
    this.text = text;
  }
  /** Plain `JSON.stringify` writes the text as a string; {@link stringifyLosslessJson} writes it as a bare number. */
  toJSON(): string {
    return this.text;
  }
}

/**
 * `JSON.stringify` that writes bigints and {@link JsonNumber}s as bare numbers with all their digits, the way .NET
 * writes `long` and `decimal` values. Like `JSON.stringify`, it drops `undefined` members and calls `toJSON` (dates).
 */
export function stringifyLosslessJson(value: unknown): string {
  const text = write(value);
  if (text === undefined) throw new TypeError('value is not serialisable to JSON');
  return text;
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string': return JSON.stringify(value);
    case 'number': return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint': return value.toString();
    case 'boolean': return value ? 'true' : 'false';
    case 'undefined': case 'function': case 'symbol': return undefined;
  }
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (write(value[i]) ?? 'null');
    return `${out}]`;
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return write(withToJson.toJSON());
  let out = '{';
  let first = true;
  for (const key in value as Record<string, unknown>) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = write((value as Record<string, unknown>)[key]);
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${v}`;
    first = false;
  }
  return `${out}}`;
}
