import type { CheckpointStore, SyncSink } from '@relaykit/sdk-core';
import type { LocalRow } from '../transform/transformer.js';
import type { RawRecord } from './sql-sink.js';

/** A row held by {@link MahakMemorySink}: the local row plus its logical-delete mark. */
export interface MahakMemoryRow {
  mahakId: bigint;
  rowVersion: bigint;
  /** The last upserted local row (undefined for a record deleted before it was ever seen). */
  data: LocalRow | undefined;
  raw: RawRecord;
  deletedAt: Date | null;
}

/** An in-memory sink with the PostgreSQL sink's semantics (row_version guard, logical deletes). */
export interface MahakMemorySink extends SyncSink<LocalRow, RawRecord> {
  /** False: rows live on in memory, so the sync does not keep their source text (a slice that pins its whole page). */
  readonly keepsSourceText: false;
  /** Rows by Mahak id, deleted ones included. */
  readonly rows: Map<bigint, MahakMemoryRow>;
  /** Rows not deleted. */
  live(): MahakMemoryRow[];
}

/**
 * Creates an in-memory sink for one entity: for tests, demos and small caches. With `checkpoints`, it writes the
 * batch's checkpoint right after applying the batch (nothing can interleave), as a transactional sink would.
 */
export function createMahakMemorySink(options: { checkpoints?: CheckpointStore } = {}): MahakMemorySink {
  const rows = new Map<bigint, MahakMemoryRow>();
  return {
    rows,
    keepsSourceText: false,
    persistsCheckpoint: options.checkpoints !== undefined,
    live: () => [...rows.values()].filter((r) => r.deletedAt === null),
    async write(batch) {
      const now = new Date();
      for (const u of batch.upserts) {
        const prev = rows.get(u.data.mahak_id);
        if (prev && u.data.row_version <= prev.rowVersion) continue;
        rows.set(u.data.mahak_id, {
          mahakId: u.data.mahak_id,
          rowVersion: u.data.row_version,
          data: u.data,
          raw: u.data.raw,
          deletedAt: null,
        });
      }
      for (const d of batch.deletes) {
        const id = BigInt(d.id);
        const version = BigInt(d.version);
        const prev = rows.get(id);
        if (prev && version <= prev.rowVersion) continue;
        rows.set(id, {
          mahakId: id,
          rowVersion: version,
          data: prev?.data,
          raw: d.raw,
          deletedAt: prev?.deletedAt ?? now,
        });
      }
      if (options.checkpoints && batch.checkpoint !== undefined)
        await options.checkpoints.set(batch.source, batch.entity, batch.checkpoint);
    },
  };
}
