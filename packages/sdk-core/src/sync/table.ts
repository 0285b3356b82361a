import { compareSyncVersions } from './position.js';
import type { FetchPageRequest, FetchPageResult, PageFetcher, SyncSourceFilter } from './types.js';

/** A row of a {@link VersionedTable}. */
export interface VersionedRow<D> {
  id: string;
  version: bigint;
  deleted: boolean;
  data: D;
}

/** Paging behaviour of {@link VersionedTable.fetcher}. */
export interface VersionedTableFetcherOptions {
  /** How requests filter (default `'position'`). */
  filter?: SyncSourceFilter;
  /**
   * Version filters only: `'split'` (default) cuts pages at `limit` even inside a group of equal versions (the
   * adversarial case); `'keep'` extends a page to the end of its last group, as a careful server would.
   */
  ties?: 'split' | 'keep';
  /** Version filters only: order within a group of equal versions, `'id'` (default) or shuffled with `random`. */
  tieOrder?: 'id' | 'random';
  /** Random source for `tieOrder: 'random'` (default `Math.random`). */
  random?: () => number;
}

const byPosition = (a: VersionedRow<unknown>, b: VersionedRow<unknown>) =>
  compareSyncVersions(a.version, b.version) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * A faithful in-memory model of a RowVersion-paged table: one monotonic int64 counter, every insert, update and
 * soft delete bumps it (rows written in one {@link VersionedTable.transaction} share a version), deleted rows stay
 * readable with `deleted: true`. Its {@link VersionedTable.fetcher} pages it like a server would. Used by the
 * sync tests, the `sync` bench and connectors' fakes.
 */
export class VersionedTable<D> {
  private readonly byId = new Map<string, VersionedRow<D>>();
  private counter: bigint;
  private sorted: Array<VersionedRow<D>> | undefined;

  constructor(options: { startVersion?: bigint } = {}) {
    this.counter = options.startVersion ?? 0n;
  }

  /** The highest version handed out so far. */
  get version(): bigint {
    return this.counter;
  }

  /** Number of rows, deleted ones included. */
  get size(): number {
    return this.byId.size;
  }

  /** Inserts or updates one row under a new version. */
  upsert(id: string, data: D): VersionedRow<D> {
    return this.transaction((tx) => tx.upsert(id, data))[0]!;
  }

  /** Soft-deletes one row under a new version (no-op for an unknown id). */
  softDelete(id: string): VersionedRow<D> | undefined {
    return this.transaction((tx) => tx.softDelete(id))[0];
  }

  /** Writes several rows under one shared version, as one database transaction stamps them. */
  transaction(
    work: (tx: { upsert(id: string, data: D): void; softDelete(id: string): void }) => void,
  ): Array<VersionedRow<D>> {
    const version = ++this.counter;
    const written: Array<VersionedRow<D>> = [];
    work({
      upsert: (id, data) => {
        const row = { id, version, deleted: false, data };
        this.byId.set(id, row);
        this.sorted = undefined;
        written.push(row);
      },
      softDelete: (id) => {
        const existing = this.byId.get(id);
        if (!existing) return;
        const row = { ...existing, version, deleted: true };
        this.byId.set(id, row);
        this.sorted = undefined;
        written.push(row);
      },
    });
    return written;
  }

  /** Loads a row with an explicit version (seeding; ties allowed). The counter moves up to it. */
  load(row: VersionedRow<D>): void {
    this.byId.set(row.id, { ...row });
    this.sorted = undefined;
    if (row.version > this.counter) this.counter = row.version;
  }

  /** The row with this id, deleted or not. */
  get(id: string): VersionedRow<D> | undefined {
    return this.byId.get(id);
  }

  /** Every row, ordered by (version, id). */
  rows(): Array<VersionedRow<D>> {
    return [...this.sortedRows()];
  }

  /** Rows that are not deleted. */
  liveRows(): Array<VersionedRow<D>> {
    return this.sortedRows().filter((r) => !r.deleted);
  }

  /** Serves one page for `request` under `options`; rows are copies. */
  page(
    request: Pick<FetchPageRequest, 'after' | 'fromVersion' | 'limit'>,
    options: VersionedTableFetcherOptions = {},
  ): FetchPageResult<VersionedRow<D>> {
    const filter = options.filter ?? 'position';
    const rows = this.sortedRows();
    if (filter === 'position') {
      const after = request.after;
      let start = 0;
      if (after) {
        const v = BigInt(after.version);
        const id = String(after.id);
        start = lowerBound(rows, (r) => r.version > v || (r.version === v && r.id > id));
      }
      const page = rows.slice(start, start + request.limit);
      return { records: page.map((r) => ({ ...r })), hasMore: start + page.length < rows.length };
    }
    let start = 0;
    if (request.fromVersion !== undefined) {
      const from = BigInt(request.fromVersion);
      start = lowerBound(rows, (r) => (filter === 'version-exclusive' ? r.version > from : r.version >= from));
    }
    // The window ends after the whole group of equal versions that the limit falls into.
    let windowEnd = Math.min(start + request.limit, rows.length);
    while (windowEnd > start && windowEnd < rows.length && rows[windowEnd]!.version === rows[windowEnd - 1]!.version)
      windowEnd++;
    let window = rows.slice(start, windowEnd);
    if (options.tieOrder === 'random') window = shuffleWithinTies(window, options.random ?? Math.random);
    const end = options.ties === 'keep' ? window.length : Math.min(request.limit, window.length);
    // Like the real API, the answer carries no "more" flag: a full page means "ask again".
    return { records: window.slice(0, end).map((r) => ({ ...r })) };
  }

  private sortedRows(): Array<VersionedRow<D>> {
    this.sorted ??= [...this.byId.values()].sort(byPosition);
    return this.sorted;
  }

  /** A {@link PageFetcher} over this table. */
  fetcher(options: VersionedTableFetcherOptions = {}): PageFetcher<VersionedRow<D>> {
    return async (request) => this.page(request, options);
  }
}

function shuffleWithinTies<R extends { version: bigint }>(rows: R[], random: () => number): R[] {
  const out: R[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j < rows.length && rows[j]!.version === rows[i]!.version) j++;
    const group = rows.slice(i, j);
    for (let k = group.length - 1; k > 0; k--) {
      const m = Math.floor(random() * (k + 1));
      [group[k], group[m]] = [group[m]!, group[k]!];
    }
    out.push(...group);
    i = j;
  }
  return out;
}

/** Index of the first row for which `past` holds (rows are sorted, `past` is monotonic). */
function lowerBound<R>(rows: R[], past: (row: R) => boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(rows[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
