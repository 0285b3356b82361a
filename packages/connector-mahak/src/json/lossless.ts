/**
 * Lossless JSON for .NET services. Mahak writes int64 values (RowVersion, ids) and decimals (money) as bare JSON
 * numbers with all their digits; `JSON.parse` would round any number of more than 15 significant digits, and
 * Node 20 has no source-text access in revivers. So one linear scan finds the number tokens a double may not hold
 * exactly — more than 15 significant digits, or an exponent — and wraps only those in quotes; then the native parser
 * runs. Every other number (ids below 2^53, prices such as `1250000.50`) is exact as a double and stays a number.
 * Schemas turn the quoted strings into bigints (int64 fields) or exact decimal strings (money).
 */

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** What {@link scanLosslessJson} found: the text to hand to `JSON.parse`, and the source text of chosen objects. */
interface Scan {
  /** `text` with every risky number token quoted (the same string when there was none). */
  safe: string;
  /** Source text of each object opened at nesting depth `spanDepth` inside an array, in order. */
  spans: string[] | undefined;
}

/**
 * The single pass: strings are skipped honouring escapes (`\\"` ends a string, `\"` does not), numbers are
 * measured. A number is risky when it has more than 15 significant digits (leading zeros do not count) or an
 * exponent (`1e400` would become Infinity). With `spanDepth`, it also cuts out the source text of every object that
 * opens at that depth as an array element (for `GetAllData`: the records), so callers can keep a record's text as
 * received without serialising it again.
 */
function scanLosslessJson(text: string, spanDepth = -1): Scan {
  const n = text.length;
  let parts: string[] | undefined;
  let copied = 0;
  let depth = 0;
  // Container kinds by depth as a bit string: bit d set = the container at depth d is an array (depth < 31 tracked).
  let arrays = 0;
  let spanStart = -1;
  const spans: string[] | undefined = spanDepth >= 0 ? [] : undefined;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // a string: find its closing quote
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          i = n;
          break;
        }
        let slashes = 0;
        for (let b = q - 1; text.charCodeAt(b) === 92; b--) slashes++;
        i = q + 1;
        if ((slashes & 1) === 0) break;
      }
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      // a number token
      const start = i;
      if (c === 45) i++;
      let significant = 0;
      let leading = true;
      let exponent = false;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) {
          if (leading && d === 48) continue;
          leading = false;
          significant++;
        } else if (d === 46) continue;
        else if (d === 101 || d === 69) {
          exponent = true;
        } else if ((d === 43 || d === 45) && exponent) continue;
        else break;
      }
      // A malformed token is left alone, so JSON.parse still rejects it instead of reading it as a string.
      if ((significant > 15 || exponent) && JSON_NUMBER.test(text.slice(start, i))) {
        (parts ??= []).push(text.slice(copied, start), '"', text.slice(start, i), '"');
        copied = i;
      }
    } else if (c === 123 || c === 91) {
      // { or [
      if (c === 123 && depth === spanDepth && depth > 0 && depth < 32 && (arrays >>> (depth - 1)) & 1) spanStart = i;
      if (depth < 31) arrays = c === 91 ? arrays | (1 << depth) : arrays & ~(1 << depth);
      depth++;
      i++;
    } else if (c === 125 || c === 93) {
      // } or ]
      depth--;
      i++;
      if (c === 125 && depth === spanDepth && spanStart >= 0) {
        spans!.push(text.slice(spanStart, i));
        spanStart = -1;
      }
    } else i++;
  }
  if (!parts) return { safe: text, spans };
  parts.push(text.slice(copied));
  return { safe: parts.join(''), spans };
}

/**
 * Parses JSON without losing precision: numbers a double cannot hold exactly (more than 15 significant digits, or
 * written with an exponent) come back as their exact source text (a string); every other number as a `number`
 * (exact: a double holds any decimal of up to 15 significant digits, and `String(n)` gives it back).
 *
 * @example
 * ```ts
 * parseLosslessJson('{"RowVersion":9007199254741993,"Price":12.10}') // { RowVersion: '9007199254741993', Price: 12.1 }
 * ```
 */
export function parseLosslessJson(text: string): unknown {
  return JSON.parse(scanLosslessJson(text).safe);
}

/**
 * {@link parseLosslessJson}, also returning the source text of every object that is an array element at nesting
 * depth `spanDepth` (the records of a `GetAllData` answer sit at depth 4: envelope, `Data`, `Objects`, the array).
 * The texts keep every number exactly as written, ready to store as `jsonb` without serialising the object again.
 */
export function parseLosslessJsonWithSpans(text: string, spanDepth: number): { value: unknown; spans: string[] } {
  const scan = scanLosslessJson(text, spanDepth);
  return { value: JSON.parse(scan.safe), spans: scan.spans ?? [] };
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
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
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
    if (!Object.hasOwn(value as object, key)) continue;
    const v = write((value as Record<string, unknown>)[key]);
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${v}`;
    first = false;
  }
  return `${out}}`;
}
