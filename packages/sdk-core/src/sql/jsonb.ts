/**
 * Key of the wrapper holding a value PostgreSQL's jsonb cannot: `{"$rkjson": "<the value's JSON text>"}`.
 * jsonb refuses the NUL character (`\u0000`) and lone UTF-16 surrogates (`\ud800`) anywhere, keys
 * included, yet both are valid in a JSON text and in a JavaScript string — so a value holding one
 * must be stored some other way, or its row is lost. The wrapper keeps the value's JSON text
 * (where they are plain `\uXXXX` escapes) as a jsonb string: reversible, and every other row stays
 * ordinary queryable jsonb. A value that itself looks like the wrapper is wrapped too, so reading
 * back never mistakes a caller's value for an escaped one.
 */
export const JSONB_WRAPPER = '$rkjson';

// JSON.stringify writes NUL as \u0000 and a lone surrogate as \udXXX (a pair is written as the character itself);
// an escaped backslash before "u" can match too, which only wraps a value that did not need it.
const UNSTORABLE = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

function looksWrapped(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === JSONB_WRAPPER;
}

/**
 * The jsonb parameter text of `value`: its JSON (written by `stringify`, default `JSON.stringify` with `undefined`
 * as `null`), or the {@link JSONB_WRAPPER} when jsonb could not hold it.
 */
export function toJsonb(value: unknown, stringify: (value: unknown) => string = defaultStringify): string {
  const text = stringify(value);
  return UNSTORABLE.test(text) || looksWrapped(value) ? JSON.stringify({ [JSONB_WRAPPER]: text }) : text;
}

/**
 * The value stored by {@link toJsonb}, from what the driver returns for the column (parsed jsonb). `parse` reads a
 * wrapped value's JSON text (default `JSON.parse`); an unwrapped value is returned as the driver parsed it.
 */
export function fromJsonb(stored: unknown, parse: (text: string) => unknown = JSON.parse): unknown {
  if (looksWrapped(stored)) {
    const text = (stored as Record<string, unknown>)[JSONB_WRAPPER];
    if (typeof text === 'string') return parse(text);
  }
  return stored;
}

const defaultStringify = (value: unknown) => JSON.stringify(value ?? null);
