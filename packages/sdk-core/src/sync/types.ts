/**
 * Types of the incremental sync engine ({@link runIncrementalSync}).
 *
 * ## Positions and ties
 * Every source record has a `version` (a RowVersion counter, a timestamp, ...) and an `id`. Several records may
 * share a version, so a version alone is not a safe resume point. The engine supports two kinds of sources
 * (option `filter`):
 * - `'position'` (default): the source can filter and order by the composite position `(version, id)` and returns
 *   records strictly after `request.after`. The checkpoint is that composite position, encoded losslessly
 *   ({@link encodeSyncPosition}); exactly-once, ties of any size are safe.
 * - `'version-exclusive'` (`version > from`, e.g. Mahak's `from<Entity>Version`) or `'version-inclusive'`
 *   (`version >= from`): the source can filter by version only. The engine then never commits a checkpoint past a
 *   version it has not fully read: the checkpoint is the last *complete* version. When a page ends inside a tie,
 *   the next request re-reads from the last complete version with a page grown by the number of tie records already
 *   seen, and skips those ids; a tie larger than `maxPageSize` fails with `SYNC_TIE_TOO_LARGE`. After a crash, the
 *   records of the one tie that was being read may reach the sink again — upserts and deletes are keyed by id, so
 *   the sink still ends equal to the source.
 *
 * ## A PostgreSQL sink that commits data and checkpoint in one transaction
 * Set `persistsCheckpoint: true` on the sink and write `batch.checkpoint` inside the sink's own transaction with the
 * PostgreSQL checkpoint store (the same store passed as `checkpoints`, which the engine reads at start):
 * ```ts
 * const checkpoints = new PostgresCheckpointStore({ pool }); // or createCheckpointStore({ pool })
 * const sink: SyncSink<Person> = {
 *   persistsCheckpoint: true,
 *   async write(batch) {
 *     const client = await pool.connect();
 *     try {
 *       await client.query('BEGIN');
 *       for (const u of batch.upserts) await client.query('INSERT ... ON CONFLICT (id) DO UPDATE ...', [...]);
 *       for (const d of batch.deletes) await client.query('DELETE FROM people WHERE id = $1', [d.id]);
 *       if (batch.checkpoint !== undefined) await checkpoints.setWithClient(client, batch.source, batch.entity, batch.checkpoint);
 *       await client.query('COMMIT');
 *     } catch (error) { await client.query('ROLLBACK'); throw error; } finally { client.release(); }
 *   },
 * };
 * ```
 * @module
 */
import type { Cursor, CheckpointStore } from '../checkpoint/types.js';

/** A record's version: a bigint for numeric counters (int64 RowVersion), or a string compared ordinally. */
export type SyncVersion = bigint | string;

/** A record's id within its entity. */
export type SyncId = string | number | bigint;

/** The composite position of a record in a source: ordered by version, then id. */
export interface SyncPosition {
  version: SyncVersion;
  id: SyncId;
}

/** What the engine needs to know about a source record. */
export interface SyncRecordMeta {
  id: SyncId;
  version: SyncVersion;
  /** A soft-deleted record: reaches the sink as a delete. */
  deleted?: boolean;
}

/** How the source filters records (see the module comment). */
export type SyncSourceFilter = 'position' | 'version-exclusive' | 'version-inclusive';

/** One request of the engine to the source. */
export interface FetchPageRequest {
  /**
   * `'position'` sources: return records strictly after this position in `(version, id)` order
   * (`undefined`: from the beginning). Version sources may ignore it.
   */
  after: SyncPosition | undefined;
  /**
   * Version sources: the version to filter from (`> fromVersion` or `>= fromVersion` per `filter`;
   * `undefined`: from the beginning). Position sources may ignore it.
   */
  fromVersion: SyncVersion | undefined;
  /**
   * Return at most this many records, and fewer only at the end of the source — unless the page says `hasMore`.
   * Version sources must honour it (or return more, never fewer): a re-read of a tie asks for a larger page, and a
   * short page is taken as the end. A source whose page size is fixed server-side must report `hasMore` itself.
   */
  limit: number;
  /** Aborted when the run stops; pass it to the HTTP call. */
  signal: AbortSignal;
}

/** One page from the source, records in ascending order of position (version sources: of version). */
export interface FetchPageResult<Raw> {
  records: Raw[];
  /**
   * Whether more records may follow. Default: `records.length >= limit` (a short page ends the run).
   */
  hasMore?: boolean;
}

/** Reads one page of the source. */
export type PageFetcher<Raw> = (request: FetchPageRequest) => Promise<FetchPageResult<Raw>>;

/** A record to insert or update. */
export interface SyncUpsert<T> {
  id: SyncId;
  version: SyncVersion;
  /** The transformed record. */
  data: T;
}

/** A record soft-deleted in the source (or hard-deleted, for sources that report it). */
export interface SyncDelete<Raw = unknown> {
  id: SyncId;
  version: SyncVersion;
  /** The source record as read (not transformed: a deleted row need not be valid). */
  raw: Raw;
}

/** What the sink receives for each page. */
export interface SyncBatch<T, Raw = unknown> {
  source: string;
  entity: string;
  /** 1-based page number within this run. */
  page: number;
  upserts: Array<SyncUpsert<T>>;
  deletes: Array<SyncDelete<Raw>>;
  /**
   * The checkpoint this batch advances to, or `undefined` when it does not advance it. A sink with
   * `persistsCheckpoint` must write it in the same transaction as the data.
   */
  checkpoint: Cursor | undefined;
}

/** Where synced records go. `write` resolves only once the batch is durable. */
export interface SyncSink<T, Raw = unknown> {
  /**
   * When true, the sink writes `batch.checkpoint` itself, atomically with the data (e.g. with
   * `PostgresCheckpointStore.setWithClient` in its transaction), and the engine never calls `checkpoints.set`.
   */
  readonly persistsCheckpoint?: boolean;
  /** Applies one batch (upserts and deletes are keyed by id and must be idempotent). */
  write(batch: SyncBatch<T, Raw>, context: { signal: AbortSignal }): Promise<void>;
}

/** A record that could not be synced, with why. */
export interface DeadLetter<Raw = unknown> {
  source: string;
  entity: string;
  id: SyncId;
  version: SyncVersion;
  /** The source record as read. */
  raw: Raw;
  /** Plain-words reason (the error message; for a zod error, each failing path). */
  reason: string;
  /** Stable code of the error when it has one (e.g. `VALIDATION`). */
  code: string | undefined;
  error: unknown;
  at: Date;
}

/**
 * Receives the records that failed `describe` or `transform` (written before the page's checkpoint advances). A record
 * whose id could not be read comes with id `unreadable:<hash of its content>` and version `''`.
 */
export interface DeadLetterSink<Raw = unknown> {
  write(entries: Array<DeadLetter<Raw>>): Promise<void>;
}

/** Counters of a run. */
export interface SyncCounters {
  /** Pages fetched (including re-reads of a tie). */
  pages: number;
  /** Batches durably written. */
  batches: number;
  /** Records delivered (upserts + deletes + dead-lettered). */
  records: number;
  upserts: number;
  deletes: number;
  deadLettered: number;
  /** Records read again while re-reading a tie and skipped as already delivered. */
  skipped: number;
}

/** Emitted after each committed batch. */
export interface SyncProgress extends SyncCounters {
  source: string;
  entity: string;
  /** The committed checkpoint. */
  checkpoint: Cursor | undefined;
  elapsedMs: number;
  /** Records per second since the start of the run. */
  recordsPerSecond: number;
  /** Pages fetched and waiting for the sink. */
  bufferedPages: number;
}

/** What {@link runIncrementalSync} resolves with. */
export interface SyncSummary extends SyncCounters {
  source: string;
  entity: string;
  /** Checkpoint the run started from. */
  startedFrom: Cursor | undefined;
  /** Checkpoint committed last (equal to `startedFrom` when nothing was committed). */
  checkpoint: Cursor | undefined;
  /** True when the run stopped because its signal was aborted (the source may have more). */
  aborted: boolean;
  durationMs: number;
  recordsPerSecond: number;
}

/** Options of {@link runIncrementalSync}. */
export interface IncrementalSyncOptions<Raw, T = Raw> {
  /** Source system name, the first half of the checkpoint key (e.g. `mahak:db42`). */
  source: string;
  /** Entity name, the second half of the checkpoint key (e.g. `Person`). */
  entity: string;
  fetchPage: PageFetcher<Raw>;
  /** How the source filters; default `'position'`. */
  filter?: SyncSourceFilter;
  /**
   * Extracts id, version and deleted flag. Default: `record.id`, `record.version`, `record.deleted`. A throw (or an id
   * or version of the wrong type) dead-letters the record under `unreadable:<content hash>` and the run carries on.
   */
  describe?: (raw: Raw) => SyncRecordMeta;
  /**
   * Validates and maps a live record (e.g. a zod `parse`). A throw dead-letters the record and the run carries on.
   * Default: identity.
   */
  transform?: (raw: Raw, meta: SyncRecordMeta) => T | Promise<T>;
  sink: SyncSink<T, NoInfer<Raw>>;
  checkpoints: CheckpointStore;
  /** Where failed records go. Without one, they are counted and dropped. */
  deadLetter?: DeadLetterSink<NoInfer<Raw>>;
  /** Records asked for per page (default 500). */
  pageSize?: number;
  /** Version sources: the largest page a re-read of one tie may grow to (default `pageSize * 100`). */
  maxPageSize?: number;
  /** Fetched pages that may wait for the sink (default 2): bounds memory; fetch of the next page overlaps the sink. */
  maxBufferedPages?: number;
  /** Compares two versions (default: bigints numerically, strings ordinally). */
  compareVersions?: (a: SyncVersion, b: SyncVersion) => number;
  /** Stops the run after the batch being written; the summary says `aborted: true`. */
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

/** Runs an incremental sync to the end of the source (or until aborted). */
export type RunIncrementalSync = <Raw, T = Raw>(options: IncrementalSyncOptions<Raw, T>) => Promise<SyncSummary>;
