import {
  runIncrementalSync,
  type CheckpointStore,
  type DeadLetterSink,
  type SyncProgress,
  type SyncRecordMeta,
  type SyncSink,
  type SyncSummary,
  ValidationError,
} from '@relaykit/sdk-core';
import type { MahakClient } from '../client/client.js';
import { ENTITY_NAMES, keysOf, type EntityName } from '../entities/catalogue.js';
import { toInt64 } from '../entities/scalars.js';
import type { RawRecord } from '../sink/sql-sink.js';
import { transformRecord, type LocalRow } from '../transform/transformer.js';

/** What the eager transform of a fetched record gave. */
type Transformed = { row: LocalRow } | { error: unknown };
const TRANSFORMED = Symbol('relaykit.mahak.transformed');

/** Options of {@link syncMahakEntity}. */
export interface MahakSyncOptions {
  client: MahakClient;
  entity: EntityName;
  sink: SyncSink<LocalRow, RawRecord>;
  /** Where checkpoints live (with a transactional sink: the same PostgreSQL store the sink writes with). */
  checkpoints: CheckpointStore;
  /** Receives records that failed validation; without one they are counted and dropped. */
  deadLetter?: DeadLetterSink<RawRecord>;
  /** Checkpoint source name (default `mahak:<databaseId>`). */
  source?: string;
  /** Records per page (default 1000). Sent to Mahak as `pageSize`; an API that ignores it answers everything at once. */
  pageSize?: number;
  /** Largest page a re-read of one RowVersion tie may grow to (default `pageSize * 100`). */
  maxPageSize?: number;
  /** Fetched pages waiting for the sink (default 2): bounds memory. */
  maxBufferedPages?: number;
  /**
   * Read GetAllData answers as a stream (default true): records are parsed as the body arrives and handed to the
   * sink in batches of `pageSize`, so a server that ignores `pageSize` and answers the whole entity at once is
   * synced with bounded memory. Once an answer shows the server pages (no more records than asked for), the rest of
   * the run reads its pages whole, which costs less CPU. False: every answer is read whole.
   */
  stream?: boolean;
  /** Offset of Mahak's clock for offset-less dates (Iran: 210). Default 0. */
  utcOffsetMinutes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

/**
 * Reads id, RowVersion and the soft-delete flag of a raw record, losslessly. Throws a `ValidationError` naming the
 * field when `<E>Id` or `RowVersion` is not an int64 (the engine dead-letters such a record and goes on).
 */
export function describeMahakRecord(entity: EntityName, raw: RawRecord): SyncRecordMeta {
  const idKey = keysOf(entity).id;
  let id: bigint | undefined;
  let version: bigint | undefined;
  const issues: Array<{ path: string[]; message: string }> = [];
  try {
    id = toInt64(raw[idKey]);
  } catch (error) {
    issues.push({ path: [idKey], message: (error as Error).message });
  }
  try {
    version = toInt64(raw.RowVersion);
  } catch (error) {
    issues.push({ path: ['RowVersion'], message: (error as Error).message });
  }
  if (id === undefined || version === undefined)
    throw new ValidationError(
      `Invalid Mahak ${entity} record: ${issues.map((i) => `${i.path[0]}: ${i.message}`).join('; ')}`,
      issues,
    );
  return { id, version, deleted: raw.Deleted === true };
}

/**
 * Pulls one entity's changes since its checkpoint into `sink` with sdk-core's incremental sync engine: Mahak's
 * `from<Entity>Version` is a `version > from` filter, so the engine runs in `version-exclusive` mode — it only
 * checkpoints complete RowVersions and re-reads a tie split across pages, so nothing is lost or duplicated; memory
 * is bounded by `maxBufferedPages`; a malformed record — its id or RowVersion included — is dead-lettered and the
 * run goes on.
 */
export async function syncMahakEntity(options: MahakSyncOptions): Promise<SyncSummary> {
  const { client, entity } = options;
  const source = options.source ?? `mahak:${client.databaseId.toString()}`;
  const transformOptions = { utcOffsetMinutes: options.utcOffsetMinutes ?? 0 };
  // Each record's JSON text as received is kept (cheap: a slice of the page), so a SQL sink — even wrapped in the
  // caller's own — stores `raw` with every digit as Mahak wrote it. A sink holding rows for long opts out.
  const keepSourceText = (options.sink as { keepsSourceText?: boolean }).keepsSourceText !== false;

  // A requester that cannot stream (no `stream()`) reads each answer whole.
  let streaming = options.stream !== false && client.canStream;
  // The answer being streamed, when one answer spans several of the engine's pages (a server ignoring pageSize).
  let open:
    | {
        batches: AsyncGenerator<{ records: RawRecord[]; last: boolean }, void, undefined>;
        /** The RowVersion the answer was asked from: everything above it was not yet read completely. */
        from: bigint;
        limit: number;
        total: number;
        /** Highest RowVersion handed over in earlier pages of this answer. */
        highest: bigint | undefined;
      }
    | undefined;
  const read = async (
    from: bigint,
    limit: number,
    signal: AbortSignal,
  ): Promise<{ records: RawRecord[]; hasMore?: boolean }> => {
    if (!streaming)
      return { records: await client.getEntityPage(entity, from, { pageSize: limit, signal, keepSourceText }) };
    // While an answer is open, the engine's next request is served from it: every record it still holds has a
    // RowVersion above what the engine has read (so above the engine's `from`), and nothing of it is skipped.
    open ??= {
      batches: client.streamEntity(entity, from, { pageSize: limit, batchSize: limit, signal, keepSourceText }),
      from,
      limit,
      total: 0,
      highest: undefined,
    };
    const current = open;
    const next = await current.batches.next();
    const batch = next.done ? { records: [], last: true } : next.value;
    current.total += batch.records.length;
    // Pages of one answer must come in RowVersion order: the engine checkpoints what it read completely, and a
    // record older than an earlier page's would fall below that checkpoint.
    let highest = current.highest;
    for (const record of batch.records) {
      let v: bigint;
      try {
        v = toInt64(record.RowVersion);
      } catch {
        continue; // dead-lettered by the engine
      }
      if (current.highest !== undefined && v < current.highest)
        throw new MahakUnorderedAnswerError(entity, current.from, v, current.highest);
      if (highest === undefined || v > highest) highest = v;
    }
    current.highest = highest;
    if (!batch.last) return { records: batch.records, hasMore: true };
    open = undefined;
    await current.batches.return(undefined);
    // The server honours pageSize: the answers of this run are pages, read whole (a single parse of each page costs
    // less CPU than parsing as it streams). A server that ignores paging keeps being streamed.
    if (current.total <= current.limit) streaming = false;
    // A full answer (or a longer one: a server finishing a tie, or ignoring paging) means more may follow; the next
    // request, from what was read completely, then costs one short answer at most.
    const more = current.total >= current.limit;
    // An answer that ended right after a full batch ends with an empty one: there is nothing to hand over, so this
    // call asks for what follows itself (an empty page would tell the engine the run is over).
    if (batch.records.length === 0 && more) return read(from, limit, signal);
    return { records: batch.records, hasMore: more };
  };
  const closeOpen = async () => {
    const current = open;
    open = undefined;
    await current?.batches.return(undefined);
  };

  const run = () =>
    runIncrementalSync<RawRecord, LocalRow>({
      source,
      entity,
      filter: 'version-exclusive',
      fetchPage: async ({ fromVersion, limit, signal }) => {
        const from =
          fromVersion === undefined ? 0n : typeof fromVersion === 'bigint' ? fromVersion : BigInt(fromVersion);
        const page = await read(from, limit, signal);
        const records = page.records;
        // Transformed as soon as fetched, while the sink still writes the previous page: the sink's side of the
        // pipeline (encode, then wait for the database) stays short. The outcome is handed to `transform` below.
        for (const record of records) {
          if (record.Deleted === true) continue; // deletes are not transformed
          let outcome: Transformed;
          try {
            outcome = { row: transformRecord(entity, record, transformOptions) };
          } catch (error) {
            outcome = { error };
          }
          // Held by the record itself (non-enumerable): it lives exactly as long as the record waits in the pipeline.
          Object.defineProperty(record, TRANSFORMED, { value: outcome, configurable: true });
        }
        return page;
      },
      describe: (raw) => describeMahakRecord(entity, raw),
      transform: (raw) => {
        const done = (raw as { [TRANSFORMED]?: Transformed })[TRANSFORMED];
        if (!done) return transformRecord(entity, raw, transformOptions);
        if ('error' in done) throw done.error;
        return done.row;
      },
      sink: options.sink,
      checkpoints: options.checkpoints,
      ...(options.deadLetter ? { deadLetter: options.deadLetter } : {}),
      pageSize: options.pageSize ?? 1000,
      ...(options.maxPageSize !== undefined ? { maxPageSize: options.maxPageSize } : {}),
      ...(options.maxBufferedPages !== undefined ? { maxBufferedPages: options.maxBufferedPages } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });

  try {
    return await run();
  } catch (error) {
    if (!(error instanceof MahakUnorderedAnswerError)) throw error;
    // The server streams unordered: pages already committed may have moved the checkpoint past records of this
    // answer not read yet. Move it back to where the answer started (records read again are upserted by id under
    // the RowVersion guard), then read each answer whole, which the engine orders itself.
    const committed = await options.checkpoints.get(source, entity);
    if (typeof committed === 'bigint' && committed > error.from)
      await options.checkpoints.set(source, entity, error.from);
    await closeOpen();
    streaming = false;
    return await run();
  } finally {
    await closeOpen();
  }
}

/** A streamed answer held a record older than one in an earlier page of the same answer. */
class MahakUnorderedAnswerError extends Error {
  constructor(
    entity: EntityName,
    /** What the answer was asked from. */
    readonly from: bigint,
    version: bigint,
    highest: bigint,
  ) {
    super(`Mahak answered ${entity} out of RowVersion order (${version} after ${highest})`);
  }
}

/** Options of {@link syncMahakEntities}: one sink per entity. */
export interface MahakSyncAllOptions extends Omit<MahakSyncOptions, 'entity' | 'sink'> {
  /** Entities to sync, in order (default: all, groups and categories first). */
  entities?: readonly EntityName[];
  sinkFor(entity: EntityName): SyncSink<LocalRow, RawRecord>;
}

/** Syncs several entities one after the other; stops at the first failure (each entity keeps its own checkpoint). */
export async function syncMahakEntities(options: MahakSyncAllOptions): Promise<SyncSummary[]> {
  const summaries: SyncSummary[] = [];
  for (const entity of options.entities ?? ENTITY_NAMES) {
    if (options.signal?.aborted) break;
    summaries.push(await syncMahakEntity({ ...options, entity, sink: options.sinkFor(entity) }));
  }
  return summaries;
}
