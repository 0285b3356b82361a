// Results are stored as JSON. JSON has no bigint, and an int64 id above 2^53 must come back
// exactly, so bigints are written as a tagged object and revived on the way out.

const TAG = '$bigint';

/**
 * `JSON.stringify` that keeps bigints: each becomes `{"$bigint":"<digits>"}`. Everything else
 * follows JSON rules (a `Date` becomes its ISO string, `undefined` properties vanish).
 */
export function toTaggedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? { [TAG]: v.toString() } : v));
}

/**
 * Inverse of {@link toTaggedJson}: an object whose only property is `$bigint` holding an integer
 * string comes back as a bigint (so avoid that exact shape in your own data).
 */
export function fromTaggedJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const digits = (v as Record<string, unknown>)[TAG];
      if (keys.length === 1 && typeof digits === 'string' && /^-?\d+$/.test(digits)) return BigInt(digits);
    }
    return v;
  }) as T;
}

/** Encodes a stored result; wraps it so `undefined` survives as well. */
export function encodeResult(result: unknown): string {
  return toTaggedJson({ v: result });
}

/** Decodes {@link encodeResult}. */
export function decodeResult<T>(text: string): T {
  return fromTaggedJson<{ v: T }>(text).v;
}
