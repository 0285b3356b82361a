/**
 * A sync position. Strings and bigints only: an int64 RowVersion above 2^53 must never pass
 * through a JS number. Stores keep the type (a bigint comes back a bigint).
 */
export type Cursor = string | bigint;

/** A stored checkpoint. */
export interface Checkpoint {
  source: string;
  entity: string;
  cursor: Cursor;
  updatedAt: Date;
}

/** A cursor per (source, entity). Implementations: memory, Redis, PostgreSQL. */
export interface CheckpointStore {
  get(source: string, entity: string): Promise<Cursor | undefined>;
  set(source: string, entity: string, cursor: Cursor): Promise<void>;
  delete(source: string, entity: string): Promise<void>;
  list(source?: string): Promise<Checkpoint[]>;
  close(): Promise<void>;
}

/**
 * Encodes a cursor losslessly as a tagged string (`b:<digits>` for bigint, `s:<text>` for string),
 * the form every store and JSON payload uses.
 */
export function encodeCursor(cursor: Cursor): string {
  return typeof cursor === 'bigint' ? `b:${cursor.toString()}` : `s:${cursor}`;
}

/** Inverse of {@link encodeCursor}. */
export function decodeCursor(encoded: string): Cursor {
  if (encoded.startsWith('b:')) return BigInt(encoded.slice(2));
  if (encoded.startsWith('s:')) return encoded.slice(2);
  throw new TypeError(`not an encoded cursor: ${JSON.stringify(encoded)}`);
}
