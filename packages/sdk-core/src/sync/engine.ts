import { createHash } from 'node:crypto';
import { encodeCursor, type Cursor } from '../checkpoint/types.js';
import { isRelaykitError, toValidationError } from '../errors/index.js';
import { SyncError } from './errors.js';
import {
  compareSyncVersions,
  decodeSyncPosition,
  encodeSyncPosition,
  isSyncPositionCursor,
  syncIdKey,
} from './position.js';
import type {
  DeadLetter,
  FetchPageRequest,
  IncrementalSyncOptions,
  SyncBatch,
  SyncCounters,
  SyncPosition,
  SyncRecordMeta,
  SyncSummary,
  SyncVersion,
} from './types.js';

/** One fetched page, already cut down to what the sink has not seen, with the checkpoint it commits. */
interface PendingPage<Raw> {
  page: number;
  /** Records to deliver and, index for index, what `describe` said about them (parallel arrays: no copy per record). */
  raws: Raw[];
  metas: SyncRecordMeta[];
  /** Records `describe` could not read (no id or version): dead-lettered with the page, never delivered. */
  unreadable: Array<{ raw: Raw; error: unknown; id: string }>;
  checkpoint: Cursor | undefined;
}

const sameCursor = (a: Cursor | undefined, b: Cursor | undefined): boolean =>
  a === undefined || b === undefined ? a === b : encodeCursor(a) === encodeCursor(b);

function defaultDescribe(raw: unknown): SyncRecordMeta {
  if (typeof raw !== 'object' || raw === null)
    throw new SyncError('SYNC_VERSION', 'a source record is not an object; pass `describe`');
  // The record itself carries id, version and deleted: no copy per record.
  return raw as SyncRecordMeta;
}

/** Validates a record's meta; returns it unchanged unless its version needs converting. */
function checkMeta(meta: SyncRecordMeta): SyncRecordMeta {
  const { version, id } = meta;
  if (typeof id !== 'string' && typeof id !== 'bigint' && typeof id !== 'number')
    throw new SyncError('SYNC_VERSION', `record id must be a string, number or bigint, got ${typeof id}`);
  if (typeof version === 'bigint' || typeof version === 'string') return meta;
  if (typeof version === 'number') {
    // A number RowVersion above 2^53 has already lost digits; refuse rather than sync from a wrong position.
    if (!Number.isSafeInteger(version))
      throw new SyncError(
        'SYNC_VERSION',
        `record version ${String(version)} is not a safe integer; read it as a bigint or string`,
      );
    return { id, version: BigInt(version), deleted: meta.deleted };
  }
  throw new SyncError('SYNC_VERSION', `record version must be a bigint or string, got ${typeof version}`);
}

function describeError(error: unknown): { reason: string; code: string | undefined } {
  if (
    typeof error === 'object' &&
    error !== null &&
    Array.isArray((error as { issues?: unknown }).issues) &&
    !isRelaykitError(error)
  ) {
    // A zod error: name each failing field.
    const v = toValidationError('invalid record', error as Parameters<typeof toValidationError>[1]);
    return { reason: v.message, code: v.code };
  }
  if (isRelaykitError(error)) return { reason: error.message, code: error.code };
  return { reason: error instanceof Error ? error.message : String(error), code: undefined };
}

/**
 * The stand-in id of a record whose id could not be read: `unreadable:` and a hash of its content, so the same bad
 * record read again (a re-run, a tie re-read) is the same dead letter, and two bad records are two.
 */
function unreadableId(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)) ?? '';
  } catch {
    text = String(raw);
  }
  return `unreadable:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

/** A bounded FIFO between the fetcher and the sink. */
class PageQueue<P> {
  private readonly items: P[] = [];
  private closed = false;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  /** Resolves once there is room for one more page (or the queue is closed). */
  async waitForRoom(): Promise<void> {
    while (!this.closed && this.items.length >= this.capacity)
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
  }

  push(item: P): void {
    this.items.push(item);
    this.wake('consumer');
  }

  /** Next page, or undefined once closed and empty. */
  async shift(): Promise<P | undefined> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        this.wake('producer');
        return item;
      }
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }

  close(): void {
    this.closed = true;
    this.wake('consumer');
    this.wake('producer');
  }

  private wake(who: 'consumer' | 'producer'): void {
    const fn = who === 'consumer' ? this.wakeConsumer : this.wakeProducer;
    if (who === 'consumer') this.wakeConsumer = undefined;
    else this.wakeProducer = undefined;
    fn?.();
  }
}

/**
 * Pages a cursor-paged source into a sink, resumably, committing a checkpoint after each batch the sink has
 * durably accepted.
 *
 * Guarantees:
 * - **Tie-safe.** With `filter: 'position'` the checkpoint is the composite `(version, id)` of the last record
 *   written, so a page ending among records of equal version loses and repeats nothing. With a version-only
 *   filter (`'version-exclusive'` / `'version-inclusive'`) the committed checkpoint is the last version read
 *   *completely*; a page ending inside a tie is followed by a re-read from that version with a page grown by the
 *   tie records already seen (which are skipped). A tie larger than `maxPageSize` throws `SYNC_TIE_TOO_LARGE`.
 * - **Checkpoint after durability.** The checkpoint of a page is written only after `sink.write` resolved (or by the
 *   sink itself, in its own transaction, when `sink.persistsCheckpoint`). Dead letters of a page are written first
 *   (so after a crash they may be written again).
 * - **Deletes.** Records with `deleted: true` reach the sink as deletes (not transformed).
 * - **Dead letters.** A record whose `describe` or `transform` throws (or whose id or version is of the wrong type)
 *   goes to `deadLetter` with its reason; the rest of the page and the run carry on. A record without a readable id
 *   is dead-lettered under `unreadable:<hash of its content>` with version `''`.
 * - **Resumable.** A run killed anywhere restarts from the last committed checkpoint; with a version-only filter,
 *   records of the one tie being read may be delivered again, so sinks upsert and delete by id.
 * - **Bounded memory.** At most `maxBufferedPages` pages wait for the sink; the next fetch overlaps the sink.
 * - **Abort.** When `signal` aborts, the batch being written completes and commits, the in-flight fetch is
 *   cancelled, and the summary says `aborted: true`.
 *
 * Errors of `fetchPage`, `sink`, `deadLetter` and `checkpoints` reject the run (pages already fetched are written
 * first when the fetch failed); the committed checkpoint stays at the last durable batch.
 *
 * @example
 * ```ts
 * const summary = await runIncrementalSync({
 *   source: 'crm', entity: 'contact', checkpoints, sink, deadLetter,
 *   fetchPage: async ({ after, limit, signal }) => ({ records: await api.list({ after, limit, signal }) }),
 *   transform: (raw) => Contact.parse(raw),
 *   onProgress: (p) => bar.update(p.records),
 * });
 * ```
 */
export async function runIncrementalSync<Raw, T = Raw>(options: IncrementalSyncOptions<Raw, T>): Promise<SyncSummary> {
  const { source, entity, fetchPage, sink, checkpoints, deadLetter } = options;
  const filter = options.filter ?? 'position';
  const pageSize = options.pageSize ?? 500;
  const maxPageSize = Math.max(pageSize, options.maxPageSize ?? pageSize * 100);
  const capacity = Math.max(1, options.maxBufferedPages ?? 2);
  const compare = options.compareVersions ?? compareSyncVersions;
  const describe = options.describe ?? (defaultDescribe as (raw: Raw) => SyncRecordMeta);
  const transform = options.transform ?? ((raw: Raw) => raw as unknown as T);
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);

  const startedAt = performance.now();
  const startedFrom = await checkpoints.get(source, entity);

  // Reading state, owned by the fetcher.
  let after: SyncPosition | undefined;
  let floor: SyncVersion | undefined; // version sources: every record with version <= floor was delivered
  let tie: { version: SyncVersion; seen: Set<string> } | undefined; // version sources: the version being read
  let growth = 1;
  if (startedFrom !== undefined) {
    if (filter === 'position') {
      if (!isSyncPositionCursor(startedFrom)) {
        throw new SyncError(
          'CHECKPOINT',
          `checkpoint of ${source}/${entity} is not a (version, id) position; it was written by a version-filtered sync`,
        );
      }
      after = decodeSyncPosition(startedFrom);
    } else {
      if (isSyncPositionCursor(startedFrom)) {
        throw new SyncError(
          'CHECKPOINT',
          `checkpoint of ${source}/${entity} is a (version, id) position; it was written by a position-filtered sync`,
        );
      }
      floor = startedFrom;
    }
  }

  const counters: SyncCounters = {
    pages: 0,
    batches: 0,
    records: 0,
    upserts: 0,
    deletes: 0,
    deadLettered: 0,
    skipped: 0,
  };
  let committed: Cursor | undefined = startedFrom;
  const queue = new PageQueue<PendingPage<Raw>>(capacity);
  const internal = new AbortController();
  const userSignal = options.signal;
  const onUserAbort = () => internal.abort(userSignal?.reason);
  userSignal?.addEventListener('abort', onUserAbort, { once: true });
  if (userSignal?.aborted) internal.abort(userSignal.reason);
  // The sink's signal fires only when the run fails: an abort by the caller lets the current batch finish.
  const sinkController = new AbortController();
  internal.signal.addEventListener('abort', () => queue.close(), { once: true });

  const nextRequest = (): FetchPageRequest => {
    if (filter === 'position') return { after, fromVersion: after?.version, limit: pageSize, signal: internal.signal };
    const limit = Math.min(maxPageSize, (pageSize + (tie?.seen.size ?? 0)) * growth);
    let fromVersion: SyncVersion | undefined;
    if (filter === 'version-exclusive') fromVersion = floor;
    else if (tie) fromVersion = tie.version;
    else fromVersion = typeof floor === 'bigint' ? floor + 1n : floor; // a string floor is re-read and skipped
    return { after: undefined, fromVersion, limit, signal: internal.signal };
  };

  /** Ids of the unreadable records dead-lettered by this run (see {@link unreadableId}). */
  const unreadableSeen = new Set<string>();

  /** Cuts a page down to the records not yet delivered and advances the reading state. */
  const absorb = (request: FetchPageRequest, fetched: Raw[], hasMore: boolean): PendingPage<Raw> => {
    // A record that cannot be described (its id or version unreadable, its meta of the wrong type) is a record-level
    // failure like a failed transform: dead-lettered, and the rest of the page goes on. Only readable records
    // position the reading state, so the checkpoint never moves past a record that was neither delivered nor
    // dead-lettered (the page's dead letters are written before its checkpoint).
    const metas: SyncRecordMeta[] = [];
    const unreadable: Array<{ raw: Raw; error: unknown; id: string }> = [];
    let raws = fetched;
    let dropped = false;
    for (let i = 0; i < fetched.length; i++) {
      const raw = fetched[i]!;
      try {
        metas.push(checkMeta(describe(raw)));
      } catch (error) {
        if (!dropped) raws = fetched.slice(0, i); // copy only once a record drops out
        dropped = true;
        // Having no position, it is read again by the next request when it follows the page's last readable record.
        const id = unreadableId(raw);
        if (unreadableSeen.has(id)) counters.skipped++;
        else {
          unreadableSeen.add(id);
          unreadable.push({ raw, error, id });
        }
        continue;
      }
      if (raws !== fetched) raws.push(raw);
    }
    if (
      hasMore &&
      metas.length === 0 &&
      unreadable.length > 0 &&
      (filter === 'position' || request.limit >= maxPageSize)
    ) {
      // Nothing readable to move past them: re-reading would return the same records forever.
      throw new SyncError(
        'SYNC_VERSION',
        `no record of a full page of ${source}/${entity} has a readable id and version; the sync cannot move past them`,
        { details: { source, entity, pageSize: fetched.length } },
      );
    }
    if (filter === 'position') {
      let start = 0;
      // A source filtering `>=` instead of `>` repeats the last record: skip it rather than deliver it twice.
      const first = metas[0];
      if (
        after &&
        first &&
        compare(first.version, after.version) === 0 &&
        syncIdKey(first.id) === syncIdKey(after.id)
      ) {
        counters.skipped++;
        start = 1;
      }
      let prev: SyncRecordMeta | SyncPosition | undefined = after;
      for (let i = start; i < metas.length; i++) {
        const meta = metas[i]!;
        if (prev && compare(meta.version, prev.version) < 0) {
          throw new SyncError(
            'SYNC_SOURCE_ORDER',
            `source returned version ${String(meta.version)} after ${String(prev.version)}; records must be ordered by (version, id) and follow request.after`,
          );
        }
        prev = meta;
      }
      if (hasMore && start >= metas.length) {
        throw new SyncError(
          'SYNC_SOURCE_ORDER',
          `source returned no record after the requested position of ${source}/${entity}; a position source must filter strictly after request.after`,
        );
      }
      const last = metas.at(-1);
      if (last) after = { version: last.version, id: last.id };
      const checkpoint = after ? encodeSyncPosition(after) : undefined;
      return start === 0
        ? { page: counters.pages, raws, metas, unreadable, checkpoint }
        : { page: counters.pages, raws: raws.slice(start), metas: metas.slice(start), unreadable, checkpoint };
    }
    // Version sources: order by version (stable), skip complete versions and tie members already delivered.
    let ordered = true;
    for (let i = 1; i < metas.length && ordered; i++) ordered = compare(metas[i - 1]!.version, metas[i]!.version) <= 0;
    const order = metas.map((_, i) => i);
    if (!ordered) order.sort((x, y) => compare(metas[x]!.version, metas[y]!.version) || x - y);
    const outRaws: Raw[] = [];
    const outMetas: SyncRecordMeta[] = [];
    for (const i of order) {
      const meta = metas[i]!;
      const v = meta.version;
      if (floor !== undefined && compare(v, floor) <= 0) {
        counters.skipped++;
        continue;
      }
      const key = syncIdKey(meta.id);
      if (tie && compare(v, tie.version) === 0) {
        if (tie.seen.has(key)) {
          counters.skipped++;
          continue;
        }
        tie.seen.add(key);
      } else if (tie && compare(v, tie.version) < 0) {
        // Older than the tie but newer than the floor: a late row; deliver it, the floor is still below it.
      } else {
        if (tie) floor = tie.version; // a higher version appeared: the previous one is complete
        tie = { version: v, seen: new Set([key]) };
      }
      outRaws.push(raws[i]!);
      outMetas.push(meta);
    }
    if (!hasMore && tie) {
      floor = tie.version;
      tie = undefined;
    }
    if (hasMore && outMetas.length === 0) {
      if (request.limit >= maxPageSize) {
        throw new SyncError(
          'SYNC_TIE_TOO_LARGE',
          `more than ${maxPageSize} records of ${source}/${entity} share version ${String(tie?.version ?? floor)}; raise maxPageSize`,
          {
            details: { source, entity, maxPageSize },
          },
        );
      }
      growth *= 2;
    } else {
      growth = 1;
    }
    return { page: counters.pages, raws: outRaws, metas: outMetas, unreadable, checkpoint: floor };
  };

  let fetchError: { error: unknown } | undefined;
  /**
   * Fetches and queues one page; false when it was the last (or the run aborted). Its own function so that nothing
   * of the page stays referenced once it is queued: a suspended async function keeps its locals, and a loop awaiting
   * room for the next page would hold the previous page (already written, maybe) until the next one arrived.
   */
  const fetchNext = async (): Promise<boolean> => {
    const request = nextRequest();
    const result = await fetchPage(request);
    if (internal.signal.aborted) return false;
    counters.pages++;
    const records = result.records;
    const hasMore = records.length > 0 && (result.hasMore ?? records.length >= request.limit);
    queue.push(absorb(request, records, hasMore));
    return hasMore;
  };
  const producer = (async () => {
    try {
      for (;;) {
        await queue.waitForRoom();
        if (internal.signal.aborted) return;
        if (!(await fetchNext())) return;
      }
    } catch (error) {
      if (!internal.signal.aborted) fetchError = { error };
    } finally {
      queue.close();
    }
  })();

  const emitProgress = () => {
    if (!options.onProgress) return;
    const elapsedMs = performance.now() - startedAt;
    options.onProgress({
      source,
      entity,
      ...counters,
      checkpoint: committed,
      elapsedMs,
      recordsPerSecond: elapsedMs > 0 ? (counters.records * 1000) / elapsedMs : 0,
      bufferedPages: queue.size,
    });
  };

  const writeBatch = async (pending: PendingPage<Raw>) => {
    const batch: SyncBatch<T, Raw> = {
      source,
      entity,
      page: pending.page,
      upserts: [],
      deletes: [],
      checkpoint: undefined,
    };
    const dead: Array<DeadLetter<Raw>> = [];
    const { raws, metas, unreadable } = pending;
    for (const { raw, error, id } of unreadable) {
      const { reason, code } = describeError(error);
      dead.push({
        source,
        entity,
        id,
        version: '',
        raw,
        reason: `unreadable record (no valid id and version): ${reason}`,
        code: code ?? 'SYNC_VERSION',
        error,
        at: new Date(),
      });
    }
    for (let i = 0; i < metas.length; i++) {
      const raw = raws[i]!;
      const meta = metas[i]!;
      if (meta.deleted === true) {
        batch.deletes.push({ id: meta.id, version: meta.version, raw });
        continue;
      }
      try {
        const out = transform(raw, meta);
        batch.upserts.push({ id: meta.id, version: meta.version, data: out instanceof Promise ? await out : out });
      } catch (error) {
        dead.push({
          source,
          entity,
          id: meta.id,
          version: meta.version,
          raw,
          ...describeError(error),
          error,
          at: new Date(),
        });
      }
    }
    const advances = pending.checkpoint !== undefined && !sameCursor(pending.checkpoint, committed);
    if (advances) batch.checkpoint = pending.checkpoint;
    if (dead.length > 0 && deadLetter) await deadLetter.write(dead);
    const hasData = batch.upserts.length > 0 || batch.deletes.length > 0;
    if (hasData || (advances && sink.persistsCheckpoint)) await sink.write(batch, { signal: sinkController.signal });
    if (advances && !sink.persistsCheckpoint) await checkpoints.set(source, entity, pending.checkpoint!);
    if (advances) committed = pending.checkpoint;
    if (hasData || advances) counters.batches++;
    counters.upserts += batch.upserts.length;
    counters.deletes += batch.deletes.length;
    counters.deadLettered += dead.length;
    counters.records += metas.length + unreadable.length;
    emitProgress();
  };

  /** Writes the next page; false once there is none (or the run aborted). Own function: see {@link fetchNext}. */
  const writeNext = async (): Promise<boolean> => {
    const pending = await queue.shift();
    if (!pending) return false;
    if (userSignal?.aborted) return false; // a page fetched before the abort is left for the next run
    await writeBatch(pending);
    return true;
  };

  try {
    for (;;) {
      if (userSignal?.aborted) break;
      if (!(await writeNext())) break;
    }
  } catch (error) {
    sinkController.abort(error);
    internal.abort(error);
    await producer;
    throw error;
  } finally {
    userSignal?.removeEventListener('abort', onUserAbort);
  }
  internal.abort();
  await producer;
  if (fetchError && !userSignal?.aborted) throw fetchError.error;

  const durationMs = performance.now() - startedAt;
  return {
    source,
    entity,
    ...counters,
    startedFrom,
    checkpoint: committed,
    aborted: userSignal?.aborted === true,
    durationMs,
    recordsPerSecond: durationMs > 0 ? (counters.records * 1000) / durationMs : 0,
  };
}
