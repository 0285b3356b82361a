import type { CheckpointStore } from '../checkpoint/types.js';
import { syncIdKey } from './position.js';
import type { DeadLetter, DeadLetterSink, SyncBatch, SyncId, SyncSink, SyncVersion } from './types.js';

/** A row held by {@link MemorySyncSink}. */
export interface MemorySinkRow<T> {
  id: SyncId;
  version: SyncVersion;
  data: T;
}

/** An in-memory {@link SyncSink}: a map of live rows by id. For tests, demos and small caches. */
export interface MemorySyncSink<T> extends SyncSink<T> {
  /** Live rows by id key (deleted rows are removed). */
  readonly rows: Map<string, MemorySinkRow<T>>;
  /** Batches written, in order. */
  readonly batches: number;
  /** The row with this id, if live. */
  get(id: SyncId): MemorySinkRow<T> | undefined;
}

/**
 * Creates an in-memory sink. With `checkpoints`, the sink owns checkpoint persistence: it applies the batch and
 * writes `batch.checkpoint` in the same synchronous step, as a transactional sink would.
 */
export function createMemorySyncSink<T>(options: { checkpoints?: CheckpointStore } = {}): MemorySyncSink<T> {
  const rows = new Map<string, MemorySinkRow<T>>();
  let batches = 0;
  return {
    rows,
    get batches() {
      return batches;
    },
    persistsCheckpoint: options.checkpoints !== undefined,
    get: (id) => rows.get(syncIdKey(id)),
    async write(batch: SyncBatch<T>) {
      for (const u of batch.upserts) rows.set(syncIdKey(u.id), { id: u.id, version: u.version, data: u.data });
      for (const d of batch.deletes) rows.delete(syncIdKey(d.id));
      batches++;
      if (options.checkpoints && batch.checkpoint !== undefined)
        await options.checkpoints.set(batch.source, batch.entity, batch.checkpoint);
    },
  };
}

/** An in-memory {@link DeadLetterSink} that keeps every entry (at most `limit`, oldest dropped first). */
export interface MemoryDeadLetterSink<Raw = unknown> extends DeadLetterSink<Raw> {
  readonly entries: Array<DeadLetter<Raw>>;
}

/** Creates an in-memory dead-letter sink. */
export function createMemoryDeadLetterSink<Raw = unknown>(options: { limit?: number } = {}): MemoryDeadLetterSink<Raw> {
  const entries: Array<DeadLetter<Raw>> = [];
  const limit = options.limit ?? 10_000;
  return {
    entries,
    async write(batch) {
      entries.push(...batch);
      if (entries.length > limit) entries.splice(0, entries.length - limit);
    },
  };
}
