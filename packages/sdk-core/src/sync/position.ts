import { decodeCursor, encodeCursor, type Cursor } from '../checkpoint/types.js';
import { SyncError } from './errors.js';
import type { SyncId, SyncPosition, SyncVersion } from './types.js';

const POSITION_PREFIX = 'pos1:';

function encodeId(id: SyncId): string {
  if (typeof id === 'bigint') return `b:${id.toString()}`;
  if (typeof id === 'number') return `n:${String(id)}`;
  return `s:${id}`;
}

function decodeId(encoded: string): SyncId {
  if (encoded.startsWith('b:')) return BigInt(encoded.slice(2));
  if (encoded.startsWith('n:')) return Number(encoded.slice(2));
  if (encoded.startsWith('s:')) return encoded.slice(2);
  throw new SyncError('CHECKPOINT', `not an encoded sync id: ${JSON.stringify(encoded)}`);
}

/**
 * Encodes a composite `(version, id)` position as a string cursor, losslessly (bigints stay bigints,
 * numeric ids stay numbers), e.g. `pos1:["b:4000000001","s:P-17"]`.
 */
export function encodeSyncPosition(position: SyncPosition): string {
  return POSITION_PREFIX + JSON.stringify([encodeCursor(position.version), encodeId(position.id)]);
}

/** True when the cursor holds a composite position written by {@link encodeSyncPosition}. */
export function isSyncPositionCursor(cursor: Cursor | undefined): cursor is string {
  return typeof cursor === 'string' && cursor.startsWith(POSITION_PREFIX);
}

/** Inverse of {@link encodeSyncPosition}. */
export function decodeSyncPosition(cursor: string): SyncPosition {
  if (!cursor.startsWith(POSITION_PREFIX))
    throw new SyncError('CHECKPOINT', `not a sync position cursor: ${JSON.stringify(cursor)}`);
  let parts: unknown;
  try {
    parts = JSON.parse(cursor.slice(POSITION_PREFIX.length));
  } catch (cause) {
    throw new SyncError('CHECKPOINT', `malformed sync position cursor: ${JSON.stringify(cursor)}`, { cause });
  }
  if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') {
    throw new SyncError('CHECKPOINT', `malformed sync position cursor: ${JSON.stringify(cursor)}`);
  }
  return { version: decodeCursor(parts[0]) as SyncVersion, id: decodeId(parts[1]) };
}

/** Default version order: bigints numerically, strings ordinally; a bigint and a digit string compare as numbers. */
export function compareSyncVersions(a: SyncVersion, b: SyncVersion): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const toBig = (v: SyncVersion): bigint => {
    if (typeof v === 'bigint') return v;
    if (/^-?\d+$/.test(v)) return BigInt(v);
    throw new SyncError('SYNC_VERSION', `cannot compare version ${JSON.stringify(v)} with a bigint version`);
  };
  return compareSyncVersions(toBig(a), toBig(b));
}

/** A Map/Set key for an id that keeps `1`, `1n` and `"1"` apart. */
export function syncIdKey(id: SyncId): string {
  return encodeId(id);
}
