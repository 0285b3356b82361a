import { problem } from '../errors/index.js';

/** A keyset position: the sort timestamp as the database wrote it (microseconds kept) and the row's id. */
export interface CursorPosition {
  /** Timestamp text from PostgreSQL (`timestamptz::text`), round-tripped exactly. */
  at: string;
  id: string;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

/** True for a timestamp PostgreSQL wrote and will read back without an out-of-range error. */
function validTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    y >= 1970 &&
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    h < 24 &&
    mi < 60 &&
    s < 60
  );
}
const ID = /^[A-Za-z0-9_.:-]{1,200}$/;

/** An opaque cursor for `position` (base64url JSON). */
export const encodeCursor = (position: CursorPosition): string =>
  Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');

/** The position a cursor names; 400 `VALIDATION` for anything {@link encodeCursor} did not make. */
export function decodeCursor(cursor: string): CursorPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'string' ||
    typeof value[1] !== 'string' ||
    !validTimestamp(value[0]) ||
    !ID.test(value[1])
  )
    throw problem('VALIDATION', 'The cursor is not one this API returned; start again without it.', {
      extensions: { errors: [{ path: 'query.cursor', message: 'invalid cursor' }] },
    });
  return { at: value[0], id: value[1] };
}
