/**
 * Serialises a value the way Meta serialises webhook bodies: every non-ASCII UTF-16 code unit
 * becomes a lowercase `\uXXXX` escape and `/` becomes `\/`. The signature Meta sends is over
 * exactly these bytes, which is why a receiver must verify the raw body and never a re-serialised one.
 */
export function metaJsonStringify(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff/]/g, (c) =>
    c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
