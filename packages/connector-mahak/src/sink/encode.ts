/**
 * Text encodings PostgreSQL reads fastest: array literals (one parameter per column for `unnest`) and the COPY text
 * format. Both are built here rather than by pg, which would escape and convert every element on its own.
 */

const ARRAY_PLAIN = /^[-+.0-9eE]+$/;
const ARRAY_ESCAPE = /[\\"]/g;

/**
 * A PostgreSQL array literal of `values`: numbers, bigints, booleans and dates need no quoting; text is quoted and
 * escaped (always when `quoted`, else only when it is not a plain number).
 */
export function arrayLiteral(values: readonly unknown[], quoted: boolean): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'bigint' || typeof v === 'number') out += String(v);
    else if (typeof v === 'boolean') out += v ? 't' : 'f';
    else if (v instanceof Date) out += isoTimestamp(v);
    else {
      const text = String(v);
      out += quoted || !ARRAY_PLAIN.test(text) ? `"${text.replace(ARRAY_ESCAPE, '\\$&')}"` : text;
    }
  }
  return `${out}}`;
}

const DAY_MS = 86_400_000;
const dayPrefixes = new Map<number, string>();
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `date.toISOString()`, several times faster: the `YYYY-MM-DDT` part is cached per day (a batch's dates fall on few
 * days) and the time of day is formatted with integer arithmetic. `Date#toISOString` dominated the COPY encoding.
 */
export function isoTimestamp(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) return date.toISOString(); // throws the usual RangeError
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    const iso = new Date(day * DAY_MS).toISOString();
    prefix = iso.slice(0, iso.indexOf('T') + 1);
    if (dayPrefixes.size >= 4096) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${prefix}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(rest - seconds * 1000)}Z`;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text value for the COPY text format: backslash, tab, newline and carriage return escaped. */
export function copyText(text: string): string {
  return COPY_SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : text;
}

/** One field of a COPY text line (`\N` for null). */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  switch (typeof v) {
    case 'string':
      return copyText(v);
    case 'bigint':
    case 'number':
      return String(v);
    case 'boolean':
      return v ? 't' : 'f';
  }
  if (v instanceof Date) return isoTimestamp(v);
  return copyText(String(v));
}

/** JSON text of a record, bigints (from a caller's own records) written as decimal strings. */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

/** A column as the COPY encoder sees it. */
interface EncodedColumn {
  column: string;
  type: 'text' | 'int' | 'int64' | 'decimal' | 'bool' | 'date';
}

/**
 * Compiles the COPY text encoder of one table: a generated function that reads each column by its literal name and
 * writes the line's fields in one template (no loop, no dynamic keys), with a fast path per column type — a bigint
 * for int64, a `Date` for dates, a string for text and decimals — and {@link copyField} for anything else.
 * Column names come from the entity catalogue, never from input.
 */
export function compileCopyEncoder(columns: readonly EncodedColumn[]): (row: Record<string, unknown>) => string {
  const q = JSON.stringify;
  const fields = columns.map((c, i) => {
    const v = `v${i}`;
    switch (c.type) {
      case 'int64':
        return [`const ${v} = r[${q(c.column)}];`, `typeof ${v} === "bigint" ? ${v}.toString() : field(${v})`];
      case 'date':
        return [`const ${v} = r[${q(c.column)}];`, `${v} instanceof Date ? iso(${v}) : field(${v})`];
      case 'text':
      case 'decimal':
        return [`const ${v} = r[${q(c.column)}];`, `typeof ${v} === "string" ? text(${v}) : field(${v})`];
      default:
        return [`const ${v} = r[${q(c.column)}];`, `field(${v})`];
    }
  });
  const source = `return function encode(r) {\n${fields.map((f) => f[0]).join('\n')}\nreturn ${fields.map((f) => `(${f[1]})`).join(' + "\\t" + ')};\n};`;
  // new Function is deliberate: generated from the catalogue's column names
  return (
    new Function('field', 'text', 'iso', source) as (
      field: typeof copyField,
      text: typeof copyText,
      iso: typeof isoTimestamp,
    ) => (row: Record<string, unknown>) => string
  )(copyField, copyText, isoTimestamp);
}
