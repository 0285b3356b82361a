import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryCheckpointStore } from '../checkpoint/memory.js';
import { runIncrementalSync } from './engine.js';
import { isSyncError } from './errors.js';
import { createMemoryDeadLetterSink, createMemorySyncSink } from './memory.js';
import { decodeSyncPosition, encodeSyncPosition } from './position.js';
import { VersionedTable, type VersionedRow } from './table.js';
import type { FetchPageRequest, SyncBatch, SyncProgress, SyncSink } from './types.js';

type Row = VersionedRow<{ name: string }>;

function seed(versions: bigint[]): VersionedTable<{ name: string }> {
  const table = new VersionedTable<{ name: string }>();
  for (const [i, version] of versions.entries())
    table.load({ id: `r${String(i).padStart(3, '0')}`, version, deleted: false, data: { name: `n${i}` } });
  return table;
}

const live = (table: VersionedTable<{ name: string }>) => Object.fromEntries(table.liveRows().map((r) => [r.id, r]));
const sunk = (sink: ReturnType<typeof createMemorySyncSink<Row>>) =>
  Object.fromEntries([...sink.rows.values()].map((r) => [String(r.id), r.data]));

describe('runIncrementalSync', () => {
  it('syncs a position-paged source across a tie split by the page boundary, exactly once', async () => {
    const table = seed([1n, 2n, 2n, 2n, 2n, 2n, 3n]);
    const sink = createMemorySyncSink<Row>();
    const delivered: string[] = [];
    const checkpoints = new MemoryCheckpointStore();
    const summary = await runIncrementalSync({
      source: 's',
      entity: 'e',
      fetchPage: table.fetcher(),
      sink: {
        write: async (b, c) => {
          delivered.push(...b.upserts.map((u) => String(u.id)));
          await sink.write(b, c);
        },
      },
      checkpoints,
      pageSize: 2,
    });
    expect(delivered).toEqual(table.rows().map((r) => r.id));
    expect(sunk(sink)).toEqual(live(table));
    expect(summary).toMatchObject({ records: 7, upserts: 7, deletes: 0, aborted: false });
    expect(decodeSyncPosition(summary.checkpoint as string)).toEqual({ version: 3n, id: 'r006' });
    expect(await checkpoints.get('s', 'e')).toBe(summary.checkpoint);
  });

  for (const filter of ['version-exclusive', 'version-inclusive'] as const) {
    it(`${filter}: re-reads a split tie and skips what it delivered, including a tie larger than a page`, async () => {
      const table = seed([1n, 2n, 2n, 2n, 2n, 2n, 2n, 2n, 3n, 3n, 4n]);
      const sink = createMemorySyncSink<Row>();
      const delivered: string[] = [];
      const requests: Array<Pick<FetchPageRequest, 'fromVersion' | 'limit'>> = [];
      const fetch = table.fetcher({ filter, ties: 'split' });
      const summary = await runIncrementalSync({
        source: 's',
        entity: 'e',
        filter,
        fetchPage: async (r) => {
          requests.push({ fromVersion: r.fromVersion, limit: r.limit });
          return fetch(r);
        },
        sink: {
          write: async (b, c) => {
            delivered.push(...b.upserts.map((u) => String(u.id)));
            await sink.write(b, c);
          },
        },
        checkpoints: new MemoryCheckpointStore(),
        pageSize: 3,
      });
      expect([...delivered].sort()).toEqual(table.rows().map((r) => r.id));
      expect(new Set(delivered).size).toBe(delivered.length);
      expect(summary.checkpoint).toBe(4n);
      // The version-2 tie (7 rows) straddles three pages: each re-read asks for the rows it has seen plus a page.
      if (filter === 'version-exclusive')
        expect(requests.slice(0, 3)).toEqual([
          { fromVersion: undefined, limit: 3 },
          { fromVersion: 1n, limit: 5 },
          { fromVersion: 1n, limit: 8 },
        ]);
      else
        expect(requests.slice(0, 3)).toEqual([
          { fromVersion: undefined, limit: 3 },
          { fromVersion: 2n, limit: 5 },
          { fromVersion: 2n, limit: 8 },
        ]);
    });
  }

  it('fails with SYNC_TIE_TOO_LARGE when a tie exceeds maxPageSize', async () => {
    const table = seed(Array.from({ length: 20 }, () => 5n));
    const error = await runIncrementalSync({
      source: 's',
      entity: 'e',
      filter: 'version-exclusive',
      fetchPage: table.fetcher({ filter: 'version-exclusive' }),
      sink: createMemorySyncSink<Row>(),
      checkpoints: new MemoryCheckpointStore(),
      pageSize: 4,
      maxPageSize: 10,
    }).catch((e: unknown) => e);
    expect(isSyncError(error) && error.code).toBe('SYNC_TIE_TOO_LARGE');
  });

  it('delivers soft deletes as deletes and commits the checkpoint after the sink', async () => {
    const table = seed([1n, 2n, 3n]);
    const checkpoints = new MemoryCheckpointStore();
    const sink = createMemorySyncSink<Row>();
    await runIncrementalSync({ source: 's', entity: 'e', fetchPage: table.fetcher(), sink, checkpoints, pageSize: 10 });
    table.softDelete('r001');
    table.upsert('r002', { name: 'changed' });
    const order: string[] = [];
    const tracking: SyncSink<Row> = {
      write: async (b, c) => {
        order.push(`sink:${b.deletes.map((d) => d.id).join(',')}|${b.upserts.map((u) => u.id).join(',')}`);
        expect(await checkpoints.get('s', 'e')).not.toBe(b.checkpoint);
        await sink.write(b, c);
      },
    };
    const summary = await runIncrementalSync({
      source: 's',
      entity: 'e',
      fetchPage: table.fetcher(),
      sink: tracking,
      checkpoints,
      pageSize: 10,
    });
    expect(order).toEqual(['sink:r001|r002']);
    expect(summary).toMatchObject({ deletes: 1, upserts: 1 });
    expect(Object.values(sunk(sink)).map((r) => [r.id, r.data.name])).toEqual([
      ['r000', 'n0'],
      ['r002', 'changed'],
    ]);
    expect(await checkpoints.get('s', 'e')).toBe(encodeSyncPosition({ version: table.version, id: 'r002' }));
  });

  it('dead-letters records that fail validation, with the reason, and carries on', async () => {
    const table = seed([1n, 2n, 3n, 4n]);
    table.upsert('r001', { name: '' });
    const deadLetter = createMemoryDeadLetterSink<Row>();
    const sink = createMemorySyncSink<{ name: string }>();
    const schema = z.object({ name: z.string().min(1) });
    const summary = await runIncrementalSync({
      source: 's',
      entity: 'e',
      fetchPage: table.fetcher(),
      sink,
      checkpoints: new MemoryCheckpointStore(),
      deadLetter,
      pageSize: 2,
      transform: (raw) => schema.parse(raw.data),
    });
    expect(summary).toMatchObject({ upserts: 3, deadLettered: 1, records: 4 });
    expect(deadLetter.entries).toHaveLength(1);
    expect(deadLetter.entries[0]).toMatchObject({
      source: 's',
      entity: 'e',
      id: 'r001',
      version: 5n,
      code: 'VALIDATION',
    });
    expect(deadLetter.entries[0]!.reason).toMatch(/name/);
    expect([...sink.rows.keys()].length).toBe(3);
  });

  it('emits progress after every batch', async () => {
    const table = seed(Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
    table.softDelete('r009');
    const events: SyncProgress[] = [];
    await runIncrementalSync({
      source: 's',
      entity: 'e',
      fetchPage: table.fetcher(),
      sink: createMemorySyncSink<Row>(),
      checkpoints: new MemoryCheckpointStore(),
      pageSize: 4,
      onProgress: (p) => events.push(p),
    });
    expect(events.map((e) => e.records)).toEqual([4, 8, 10]);
    expect(events.at(-1)).toMatchObject({
      source: 's',
      entity: 'e',
      pages: 3,
      batches: 3,
      upserts: 9,
      deletes: 1,
      deadLettered: 0,
    });
    for (const e of events) expect(e.recordsPerSecond).toBeGreaterThan(0);
  });

  it('keeps fetching at most maxBufferedPages ahead of a slow sink, overlapping fetch and sink', async () => {
    const table = seed(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)));
    for (const maxBufferedPages of [1, 3]) {
      let fetched = 0;
      let written = 0;
      let maxAhead = 0;
      let overlapped = false;
      let sinking = false;
      const fetch = table.fetcher();
      await runIncrementalSync({
        source: 's',
        entity: 'e',
        pageSize: 2,
        maxBufferedPages,
        checkpoints: new MemoryCheckpointStore(),
        fetchPage: async (r) => {
          if (sinking) overlapped = true;
          // Pages fetched but not yet written, counting this one and the one being sunk.
          maxAhead = Math.max(maxAhead, fetched + 1 - written);
          fetched++;
          await new Promise((resolve) => setTimeout(resolve, 1));
          return fetch(r);
        },
        sink: {
          write: async () => {
            sinking = true;
            await new Promise((r) => setTimeout(r, 2));
            sinking = false;
            written++;
          },
        },
      });
      expect(maxAhead).toBe(maxBufferedPages + 1);
      expect(overlapped).toBe(true);
    }
  });

  it('stops cleanly after the current batch when aborted, and the next run resumes', async () => {
    const table = seed(Array.from({ length: 30 }, (_, i) => BigInt(i + 1)));
    const checkpoints = new MemoryCheckpointStore();
    const sink = createMemorySyncSink<Row>();
    const controller = new AbortController();
    let fetchSignalAborted = false;
    const fetch = table.fetcher();
    const summary = await runIncrementalSync({
      source: 's',
      entity: 'e',
      pageSize: 5,
      checkpoints,
      signal: controller.signal,
      fetchPage: async (r) => {
        r.signal.addEventListener('abort', () => (fetchSignalAborted = true));
        return fetch(r);
      },
      sink: {
        write: async (b: SyncBatch<Row>, c) => {
          if (b.page === 2) controller.abort();
          await new Promise((r) => setTimeout(r, 1));
          expect(c.signal.aborted).toBe(false); // the batch being written is not cut short
          await sink.write(b, c);
        },
      },
    });
    expect(summary.aborted).toBe(true);
    expect(summary.batches).toBe(2);
    expect(sink.rows.size).toBe(10);
    expect(fetchSignalAborted).toBe(true);
    expect(decodeSyncPosition((await checkpoints.get('s', 'e')) as string).id).toBe('r009');
    const rest = await runIncrementalSync({
      source: 's',
      entity: 'e',
      pageSize: 5,
      checkpoints,
      fetchPage: table.fetcher(),
      sink,
    });
    expect(rest).toMatchObject({ aborted: false, records: 20 });
    expect(sunk(sink)).toEqual(live(table));
  });

  it('lets a sink own the checkpoint (written with the data) and never calls checkpoints.set itself', async () => {
    const table = seed([1n, 1n, 2n, 3n]);
    const checkpoints = new MemoryCheckpointStore();
    const sets: unknown[] = [];
    const wrapped = {
      ...checkpoints,
      get: checkpoints.get.bind(checkpoints),
      set: async (...a: unknown[]) => {
        sets.push(a);
      },
      delete: checkpoints.delete.bind(checkpoints),
      list: checkpoints.list.bind(checkpoints),
      close: async () => {},
    };
    const sink = createMemorySyncSink<Row>({ checkpoints });
    await runIncrementalSync({
      source: 's',
      entity: 'e',
      fetchPage: table.fetcher({ filter: 'version-exclusive' }),
      filter: 'version-exclusive',
      sink,
      checkpoints: wrapped,
      pageSize: 1,
    });
    expect(sets).toEqual([]);
    expect(await checkpoints.get('s', 'e')).toBe(3n);
    expect(sunk(sink)).toEqual(live(table));
  });

  it('rejects with the sink error and keeps the checkpoint at the last durable batch', async () => {
    const table = seed([1n, 2n, 3n, 4n, 5n, 6n]);
    const checkpoints = new MemoryCheckpointStore();
    const fail = new Error('disk full');
    await expect(
      runIncrementalSync({
        source: 's',
        entity: 'e',
        pageSize: 2,
        checkpoints,
        fetchPage: table.fetcher(),
        sink: {
          write: async (b) => {
            if (b.page === 2) throw fail;
          },
        },
      }),
    ).rejects.toBe(fail);
    expect(decodeSyncPosition((await checkpoints.get('s', 'e')) as string).id).toBe('r001');
  });

  it('writes pages already fetched before rejecting with a fetch error', async () => {
    const table = seed([1n, 2n, 3n, 4n, 5n, 6n]);
    const checkpoints = new MemoryCheckpointStore();
    const fetch = table.fetcher();
    let calls = 0;
    const fail = new Error('502');
    await expect(
      runIncrementalSync({
        source: 's',
        entity: 'e',
        pageSize: 2,
        checkpoints,
        sink: createMemorySyncSink<Row>(),
        fetchPage: async (r) => {
          if (++calls === 3) throw fail;
          return fetch(r);
        },
      }),
    ).rejects.toBe(fail);
    expect(decodeSyncPosition((await checkpoints.get('s', 'e')) as string).id).toBe('r003');
  });

  it('dead-letters a record version that already lost precision; refuses a checkpoint of the other kind', async () => {
    const table = seed([1n]);
    const deadLetter = createMemoryDeadLetterSink();
    const lossy = await runIncrementalSync({
      source: 's',
      entity: 'e',
      sink: createMemorySyncSink(),
      checkpoints: new MemoryCheckpointStore(),
      deadLetter,
      fetchPage: async () => ({
        records: [
          { id: 'x', version: 2 ** 60 },
          { id: 'y', version: 7n },
        ],
      }),
    });
    expect(lossy).toMatchObject({ upserts: 1, deadLettered: 1, records: 2 });
    expect(deadLetter.entries[0]).toMatchObject({
      code: 'SYNC_VERSION',
      reason: expect.stringMatching(/safe integer/),
    });
    const checkpoints = new MemoryCheckpointStore();
    await checkpoints.set('s', 'e', 5n);
    const wrongKind = await runIncrementalSync({
      source: 's',
      entity: 'e',
      sink: createMemorySyncSink<Row>(),
      checkpoints,
      fetchPage: table.fetcher(),
    }).catch((e: unknown) => e);
    expect(isSyncError(wrongKind) && wrongKind.code).toBe('CHECKPOINT');
  });

  it('keeps int64 versions above 2^53 exact in checkpoints', async () => {
    const big = 2n ** 63n - 10n;
    const table = seed([big, big, big + 1n]);
    const checkpoints = new MemoryCheckpointStore();
    await runIncrementalSync({
      source: 's',
      entity: 'e',
      filter: 'version-exclusive',
      fetchPage: table.fetcher({ filter: 'version-exclusive' }),
      sink: createMemorySyncSink<Row>(),
      checkpoints,
      pageSize: 1,
    });
    expect(await checkpoints.get('s', 'e')).toBe(big + 1n);
  });
});

describe('runIncrementalSync with an already aborted signal', () => {
  it('fetches nothing and reports aborted', async () => {
    let fetches = 0;
    const summary = await runIncrementalSync({
      source: 's',
      entity: 'e',
      sink: createMemorySyncSink(),
      checkpoints: new MemoryCheckpointStore(),
      signal: AbortSignal.abort(),
      fetchPage: async () => {
        fetches++;
        return { records: [] };
      },
    });
    expect(fetches).toBe(0);
    expect(summary).toMatchObject({ aborted: true, records: 0, checkpoint: undefined });
  });
});

describe('runIncrementalSync with a position source that filters inclusively', () => {
  it('skips the repeated last record instead of delivering it twice', async () => {
    const table = seed([1n, 1n, 2n, 2n, 3n]);
    const delivered: string[] = [];
    const summary = await runIncrementalSync({
      source: 's',
      entity: 'e',
      pageSize: 2,
      checkpoints: new MemoryCheckpointStore(),
      // `(version, id) >= after`: the record at `after` comes back first.
      fetchPage: async (r) => {
        const rows = table.rows();
        const start = r.after ? rows.findIndex((x) => x.version === r.after!.version && x.id === r.after!.id) : 0;
        const page = rows.slice(start, start + r.limit);
        return { records: page, hasMore: start + page.length < rows.length };
      },
      sink: {
        write: async (b) => {
          delivered.push(...b.upserts.map((u) => String(u.id)));
        },
      },
    });
    expect(delivered).toEqual(['r000', 'r001', 'r002', 'r003', 'r004']);
    expect(summary.skipped).toBeGreaterThan(0);
  });
});

describe('runIncrementalSync with a position source that makes no progress', () => {
  it('fails with SYNC_SOURCE_ORDER instead of looping', async () => {
    const error = await runIncrementalSync({
      source: 's',
      entity: 'e',
      pageSize: 1,
      sink: createMemorySyncSink(),
      checkpoints: new MemoryCheckpointStore(),
      fetchPage: async () => ({ records: [{ id: 'a', version: 1n }] }), // always the same record, "more to come"
    }).catch((e: unknown) => e);
    expect(isSyncError(error) && error.code).toBe('SYNC_SOURCE_ORDER');
  });
});

describe('runIncrementalSync with a version source that ignores the limit and returns rows unordered', () => {
  it('orders each page itself and delivers every row once', async () => {
    const table = seed([1n, 2n, 2n, 3n, 4n, 5n]);
    const delivered: string[] = [];
    const summary = await runIncrementalSync({
      source: 's',
      entity: 'e',
      filter: 'version-exclusive',
      pageSize: 2,
      checkpoints: new MemoryCheckpointStore(),
      fetchPage: async (r) => ({
        records: table
          .rows()
          .filter((x) => r.fromVersion === undefined || x.version > BigInt(r.fromVersion))
          .reverse(),
      }),
      sink: {
        write: async (b) => {
          delivered.push(...b.upserts.map((u) => String(u.id)));
        },
      },
    });
    expect(delivered).toEqual(['r000', 'r002', 'r001', 'r003', 'r004', 'r005']);
    expect(summary.checkpoint).toBe(5n);
  });
});

describe('runIncrementalSync with records it cannot describe', () => {
  /** The table's pages with r002's id unreadable (null) and r005 refused by `describe`. */
  const setup = (filter: 'position' | 'version-exclusive') => {
    const table = seed([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    const fetch = table.fetcher({ filter });
    const fetchPage = async (r: FetchPageRequest) => {
      const page = await fetch(r);
      return {
        ...page,
        records: page.records.map((x) => (x.id === 'r002' ? { ...x, id: null as unknown as string } : x)),
      };
    };
    const describe = (raw: Row) => {
      if (raw.id === 'r005') throw new RangeError('"r005" is not an int64');
      return raw;
    };
    return { table, fetchPage, describe };
  };

  for (const filter of ['position', 'version-exclusive'] as const)
    it(`${filter}: dead-letters each with a reason and syncs the rest of the page and the pages after it`, async () => {
      const { fetchPage, describe } = setup(filter);
      const deadLetter = createMemoryDeadLetterSink<Row>();
      const sink = createMemorySyncSink<Row>();
      const checkpoints = new MemoryCheckpointStore();
      const summary = await runIncrementalSync({
        source: 's',
        entity: 'e',
        filter,
        fetchPage,
        describe,
        sink,
        checkpoints,
        deadLetter,
        pageSize: 3,
      });
      expect(summary).toMatchObject({ upserts: 6, deadLettered: 2, records: 8 });
      expect(Object.keys(sunk(sink)).sort()).toEqual(['r000', 'r001', 'r003', 'r004', 'r006', 'r007']);
      expect(deadLetter.entries.map((e) => [e.reason, e.code])).toEqual([
        [expect.stringMatching(/^unreadable record .*record id must be/), 'SYNC_VERSION'],
        [expect.stringMatching(/r005" is not an int64/), 'SYNC_VERSION'],
      ]);
      expect(deadLetter.entries[0]!.id).toMatch(/^unreadable:[0-9a-f]{32}$/);
      expect(deadLetter.entries[0]!.raw).toMatchObject({ version: 3n, data: { name: 'n2' } });
      if (filter === 'position') expect(decodeSyncPosition(summary.checkpoint as string).id).toBe('r007');
      else expect(summary.checkpoint).toBe(8n);

      // Read again (a re-run from scratch), the same bad record is the same dead letter.
      const again = createMemoryDeadLetterSink<Row>();
      await runIncrementalSync({
        source: 's',
        entity: 'e',
        filter,
        fetchPage,
        describe,
        sink: createMemorySyncSink<Row>(),
        checkpoints: new MemoryCheckpointStore(),
        deadLetter: again,
        pageSize: 3,
      });
      expect(again.entries.map((e) => e.id)).toEqual(deadLetter.entries.map((e) => e.id));
    });

  it('never commits a checkpoint past an unreadable record its dead letter did not take', async () => {
    const { fetchPage, describe } = setup('version-exclusive');
    const checkpoints = new MemoryCheckpointStore();
    const failing = new Error('dead-letter store down');
    const error = await runIncrementalSync({
      source: 's',
      entity: 'e',
      filter: 'version-exclusive',
      fetchPage,
      describe,
      sink: createMemorySyncSink<Row>(),
      checkpoints,
      deadLetter: {
        write: async () => {
          throw failing;
        },
      },
      pageSize: 3,
    }).catch((e: unknown) => e);
    expect(error).toBe(failing);
    expect(await checkpoints.get('s', 'e')).toBeUndefined(); // page 1 holds r002: nothing committed
  });

  it('fails instead of looping when no record of a full page can be described', async () => {
    const error = await runIncrementalSync({
      source: 's',
      entity: 'e',
      checkpoints: new MemoryCheckpointStore(),
      sink: createMemorySyncSink(),
      pageSize: 2,
      fetchPage: async () => ({
        records: [
          { id: null, version: 1n },
          { id: null, version: 2n },
        ],
      }),
    }).catch((e: unknown) => e);
    expect(isSyncError(error) && error.code).toBe('SYNC_VERSION');
  });
});
