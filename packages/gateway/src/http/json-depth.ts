/**
 * The deepest nesting of arrays and objects in a JSON text, counted without recursion and without
 * parsing: brackets inside strings (and escaped quotes) do not count. Stops as soon as `limit` is
 * exceeded, so a 100 000-level body costs no more than its first `limit` levels. Scans bytes: the
 * UTF-8 of a non-ASCII character never contains an ASCII byte, so multi-byte text cannot fool it.
 */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c /* \ */) i++;
      else if (b === 0x22 /* " */) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (b === 0x7d /* } */ || b === 0x5d /* ] */) depth--;
  }
  return false;
}
