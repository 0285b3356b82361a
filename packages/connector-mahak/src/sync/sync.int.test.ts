import {
  PostgresCheckpointStore,
  pgliteSqlClient,
  postgresSqlClient,
  type SqlClient,
  type SyncBatch,
} from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMahak, type FakeMahak, type FakeMahakOptions } from '../testing/index.js';
import { MahakClient } from '../client/index.js';
import { keysOf, type EntityName } from '../entities/catalogue.js';
import { toDecimal } from '../entities/scalars.js';
import { JsonNumber, parseLosslessJson } from '../json/lossless.js';
import {
  createMahakDeadLetterSink,
  createMahakSink,
  createPostgresMahakSink,
  entityTable,
  migrateMahakSchema,
  tableName,
  type MahakSchemaOptions,
  type MahakSinkStrategy,
  type RawRecord,
} from '../sink/index.js';
import type { LocalRow } from '../transform/index.js';
import { syncMahakEntities, syncMahakEntity } from './sync.js';
import { waitFor } from '@relaykit/testkit';

const servers = sharedServers();
const START = 2n ** 53n + 1000n;
const ENTITIES: EntityName[] = ['Person', 'Product', 'ProductDetail'];

interface Ctx {
  fake: FakeMahak;
  db: SqlClient;
  client: MahakClient;
  checkpoints: PostgresCheckpointStore;
  /** Where this test's tables are (PGlite: one database per file, a table prefix per test). */
  place: MahakSchemaOptions;
  strategy: MahakSinkStrategy;
}

/**
 * The same suite runs on three set-ups: PostgreSQL with COPY (the default there), PostgreSQL with unnest, and
 * embedded PGlite (unnest: COPY FROM STDIN is a pg wire feature).
 */
interface Engine {
  name: string;
  skip: boolean;
  open(): Promise<{ db: SqlClient; place: MahakSchemaOptions; strategy: MahakSinkStrategy; close(): Promise<void> }>;
}

let pglite: SqlClient | undefined;
let pgliteTests = 0;
const ENGINES: Engine[] = [
  {
    name: 'PostgreSQL, COPY',
    skip: !servers.postgresUrl,
    open: async () => {
      const db = postgresSqlClient({ url: await servers.freshDatabase(), max: 4 });
      return { db, place: {}, strategy: 'copy', close: () => db.close() };
    },
  },
  {
    name: 'PostgreSQL, unnest',
    skip: !servers.postgresUrl,
    open: async () => {
      const db = postgresSqlClient({ url: await servers.freshDatabase(), max: 4 });
      return { db, place: {}, strategy: 'unnest', close: () => db.close() };
    },
  },
  {
    name: 'PGlite',
    skip: false,
    open: async () => {
      pglite ??= await pgliteSqlClient();
      return { db: pglite, place: { tablePrefix: `t${++pgliteTests}_` }, strategy: 'auto', close: async () => {} };
    },
  },
];
afterAll(async () => {
  await pglite?.close();
});

const closers = new WeakMap<Ctx, () => Promise<void>>();

async function setup(engine: Engine, options: FakeMahakOptions): Promise<Ctx> {
  const fake = await startFakeMahak({ startRowVersion: START, ...options });
  const { db, place, strategy, close } = await engine.open();
  await migrateMahakSchema(db, place);
  const client = new MahakClient({ baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 });
  const checkpoints = new PostgresCheckpointStore({ db, table: `${place.tablePrefix ?? ''}checkpoints` });
  const ctx: Ctx = { fake, db, client, checkpoints, place, strategy };
  closers.set(ctx, close);
  return ctx;
}

async function teardown(ctx: Ctx | undefined) {
  if (!ctx) return;
  await ctx.client.close();
  await closers.get(ctx)?.();
  await ctx.fake.close();
}

const sinkOf = (ctx: Ctx, entity: EntityName, extra: { beforeCheckpoint?: () => void } = {}) =>
  createMahakSink({ db: ctx.db, entity, checkpoints: ctx.checkpoints, strategy: ctx.strategy, ...ctx.place, ...extra });
const deadLetterOf = (ctx: Ctx) => createMahakDeadLetterSink({ db: ctx.db, ...ctx.place });

/** Syncs `entities`; `crashOn` makes the sink fail once inside its transaction, before the checkpoint, at that batch. */
async function syncAll(ctx: Ctx, options: { crashOn?: number; pageSize?: number } = {}) {
  let batches = 0;
  let crashed = false;
  return syncMahakEntities({
    client: ctx.client,
    checkpoints: ctx.checkpoints,
    deadLetter: deadLetterOf(ctx),
    entities: ENTITIES,
    pageSize: options.pageSize ?? 7,
    sinkFor: (entity) =>
      sinkOf(ctx, entity, {
        beforeCheckpoint: () => {
          batches++;
          if (options.crashOn !== undefined && !crashed && batches === options.crashOn) {
            crashed = true;
            throw new Error('injected crash between batch and checkpoint');
          }
        },
      }),
  });
}

async function tableRows(ctx: Ctx, entity: EntityName) {
  // `raw` read as text and parsed losslessly: jsonb keeps every digit, a plain JSON.parse would not.
  const { rows } = await ctx.db.query<{ id: string; rv: string; deleted: boolean; raw: string }>(
    `SELECT mahak_id::text AS id, row_version::text AS rv, deleted_at IS NOT NULL AS deleted, raw::text AS raw FROM ${entityTable(entity, ctx.place)} ORDER BY mahak_id`,
  );
  return rows.map((r) => ({ ...r, raw: parseLosslessJson(r.raw) as RawRecord }));
}

/** The table equals the fake: every row once, same RowVersion, deleted ones marked, live ones with the same data. */
async function expectMirror(ctx: Ctx) {
  for (const entity of ENTITIES) {
    const rows = await tableRows(ctx, entity);
    const expected = ctx.fake
      .allRows(entity)
      .map((r) => ({ id: String(r[keysOf(entity).id]), rv: String(r.RowVersion), deleted: r.Deleted === true }));
    expect(rows.map(({ id, rv, deleted }) => ({ id, rv, deleted }))).toEqual(expected);
    const live = ctx.fake.liveRows(entity);
    for (const [i, row] of rows.filter((r) => !r.deleted).entries()) {
      const want = live[i]!;
      for (const field of ['FirstName', 'Name'] as const) if (field in want) expect(row.raw[field]).toBe(want[field]);
      // Money compares as exact decimals (12.10 and 12.1 are the same amount; 99999999999999.99 must keep every digit).
      if ('Price1' in want)
        expect(toDecimal(row.raw.Price1)).toBe(toDecimal((want.Price1 as { text: string }).text ?? want.Price1));
    }
  }
}

// PGlite runs in this process: on a loaded machine a case takes well over the default 20 s.
for (const engine of ENGINES)
  describe.skipIf(engine.skip)(`Mahak → ${engine.name} sync`, { timeout: 90_000 }, () => {
    let ctx: Ctx | undefined;
    afterEach(async () => {
      await teardown(ctx);
      ctx = undefined;
    });

    for (const paging of ['safe', 'adversarial'] as const) {
      it(`backfills, then applies updates, deletes and inserts, with crashes between batch and checkpoint (${paging} paging)`, async () => {
        ctx = await setup(engine, {
          paging,
          seed: { Person: 40, Product: 25, ProductDetail: 31 },
          seedRowsPerVersion: 4,
        });
        const { fake } = ctx;
        fake.remove('Person', 3); // deleted before the first sync: arrives as a marked row

        await expect(syncAll(ctx, { crashOn: 3 })).rejects.toThrow(/injected crash/);
        const first = await syncAll(ctx);
        expect(first.map((s) => s.entity)).toEqual(ENTITIES);
        await expectMirror(ctx);

        // Changes between runs, some sharing one RowVersion (a tie larger than the page).
        fake.transaction(() => {
          for (let id = 1; id <= 10; id++) fake.update('Person', id, { FirstName: `Renamed ${id}` });
          fake.remove('Product', 5);
          fake.insert('Product', { Name: 'New in tie' });
        });
        fake.update('ProductDetail', 2, { Price1: '99999999999999.99' });
        fake.remove('ProductDetail', 30);
        for (let i = 0; i < 12; i++) fake.insert('Person', { FirstName: `Newcomer ${i}` });

        await expect(syncAll(ctx, { crashOn: 2 })).rejects.toThrow(/injected crash/);
        const second = await syncAll(ctx);
        await expectMirror(ctx);
        expect(second.reduce((n, s) => n + s.upserts + s.deletes, 0)).toBeGreaterThanOrEqual(10 + 12 + 4);

        // A run with nothing new changes nothing.
        const third = await syncAll(ctx);
        expect(third.reduce((n, s) => n + s.records, 0)).toBe(0);
        await expectMirror(ctx);
      });

      it(`picks up data changed between pages of one run (${paging} paging)`, async () => {
        ctx = await setup(engine, { paging, seed: { Person: 30 }, seedRowsPerVersion: 3 });
        const { fake } = ctx;
        fake.mutate((f, { call }) => {
          if (call === 2) {
            f.update('Person', 1, { FirstName: 'Changed after being read' });
            f.insert('Person', { FirstName: 'Late' });
          }
          if (call === 3) f.remove('Person', 2);
        });
        await syncMahakEntity({
          client: ctx.client,
          entity: 'Person',
          checkpoints: ctx.checkpoints,
          pageSize: 5,
          sink: sinkOf(ctx, 'Person'),
        });
        const rows = await tableRows(ctx, 'Person');
        const expected = fake
          .allRows('Person')
          .map((r) => ({ id: String(r.PersonId), rv: String(r.RowVersion), deleted: r.Deleted === true }));
        expect(rows.map(({ id, rv, deleted }) => ({ id, rv, deleted }))).toEqual(expected);
        expect(rows.find((r) => r.id === '1')!.raw.FirstName).toBe('Changed after being read');
      });
    }

    it('keeps RowVersions above 2^53 exact, end to end', async () => {
      ctx = await setup(engine, { seed: { Person: 5 } });
      await syncAll(ctx);
      const { rows } = await ctx.db.query<{ rv: string; raw_rv: string }>(
        `SELECT row_version::text AS rv, raw->>'RowVersion' AS raw_rv FROM ${entityTable('Person', ctx.place)} ORDER BY row_version`,
      );
      expect(rows.map((r) => r.rv)).toEqual([
        '9007199254741993',
        '9007199254741994',
        '9007199254741995',
        '9007199254741996',
        '9007199254741997',
      ]);
      expect(rows.map((r) => r.raw_rv)).toEqual(rows.map((r) => r.rv));
      // `raw` is the text as received: RowVersion stays a JSON number (jsonb numeric keeps every digit).
      const types = await ctx.db.query<{ t: string }>(
        `SELECT DISTINCT jsonb_typeof(raw->'RowVersion') AS t FROM ${entityTable('Person', ctx.place)}`,
      );
      expect(types.rows).toEqual([{ t: 'number' }]);
      const cp = await ctx.checkpoints.get('mahak:1', 'Person');
      expect(cp).toBe(START + 5n);
    });

    it('stores awkward text, money and dates exactly', async () => {
      ctx = await setup(engine, {});
      const names = ['a "quoted", {braced} \\ back\\slash', 'NULL', '', 'علی رضایی', ' padded ', 'tab\there\nnewline'];
      for (const name of names)
        ctx.fake.insert('Person', {
          FirstName: name,
          Credit: '12345678901234567890.1234',
          CreateDate: '2025-03-01T12:00:00',
        });
      ctx.fake.insert('Person', { FirstName: null, Credit: null });
      await syncMahakEntity({
        client: ctx.client,
        entity: 'Person',
        checkpoints: ctx.checkpoints,
        sink: sinkOf(ctx, 'Person'),
      });
      const { rows } = await ctx.db.query<{ first_name: string | null; credit: string | null; created_at: Date }>(
        `SELECT first_name, credit::text AS credit, created_at FROM ${entityTable('Person', ctx.place)} ORDER BY mahak_id`,
      );
      expect(rows.map((r) => r.first_name)).toEqual([...names, null]);
      expect(rows[0]!.credit).toBe('12345678901234567890.1234');
      expect(rows[6]!.credit).toBeNull();
      expect(new Date(rows[0]!.created_at)).toEqual(new Date('2025-03-01T12:00:00Z'));
    });

    it('reads unset values written as "" as NULL (a source writing "" loses no Order)', async () => {
      ctx = await setup(engine, { unsetValues: 'empty-string', seed: { Person: 2 } });
      const first = ctx.fake.insert('Order', {
        PersonId: 1,
        DeliveryDate: null,
        Discount: null,
        VisitorId: null,
        SettlementType: null,
      });
      ctx.fake.insert('Order', { PersonId: 2, DeliveryDate: '2025-03-02T09:00:00', Description: null });
      const summary = await syncMahakEntity({
        client: ctx.client,
        entity: 'Order',
        checkpoints: ctx.checkpoints,
        sink: sinkOf(ctx, 'Order'),
        deadLetter: deadLetterOf(ctx),
      });
      expect(summary).toMatchObject({ upserts: 2, deadLettered: 0 });
      const { rows } = await ctx.db.query<{
        id: string;
        delivery_date: Date | null;
        discount: string | null;
        visitor_id: string | null;
        settlement_type: number | null;
        raw_delivery: string;
      }>(
        `SELECT mahak_id::text AS id, delivery_date, discount::text AS discount, visitor_id::text AS visitor_id, settlement_type, raw->>'DeliveryDate' AS raw_delivery FROM ${entityTable('Order', ctx.place)} ORDER BY mahak_id`,
      );
      expect(rows[0]).toMatchObject({
        id: String(first),
        delivery_date: null,
        discount: null,
        visitor_id: null,
        settlement_type: null,
        raw_delivery: '', // as received
      });
      expect(new Date(rows[1]!.delivery_date!)).toEqual(new Date('2025-03-02T09:00:00Z'));
    });

    it('a replayed stale batch changes nothing', async () => {
      ctx = await setup(engine, { seed: { Person: 6 } });
      const captured: Array<SyncBatch<LocalRow, RawRecord>> = [];
      const sink = sinkOf(ctx, 'Person');
      const recording = {
        persistsCheckpoint: true,
        write: async (b: SyncBatch<LocalRow, RawRecord>, c: { signal: AbortSignal }) => {
          captured.push(b);
          await sink.write(b, c);
        },
      };
      await syncMahakEntity({ client: ctx.client, entity: 'Person', checkpoints: ctx.checkpoints, sink: recording });
      ctx.fake.update('Person', 1, { FirstName: 'Newer' });
      ctx.fake.remove('Person', 2);
      await syncMahakEntity({ client: ctx.client, entity: 'Person', checkpoints: ctx.checkpoints, sink: recording });
      const before = await tableRows(ctx, 'Person');
      const cpBefore = await ctx.checkpoints.get('mahak:1', 'Person');
      await sink.write({ ...captured[0]!, checkpoint: undefined }, { signal: new AbortController().signal });
      expect(await tableRows(ctx, 'Person')).toEqual(before);
      expect(before.find((r) => r.id === '1')!.raw.FirstName).toBe('Newer');
      expect(before.find((r) => r.id === '2')!.deleted).toBe(true);
      expect(await ctx.checkpoints.get('mahak:1', 'Person')).toBe(cpBefore);
    });

    it('dead-letters a malformed record with the reason and completes the run', async () => {
      ctx = await setup(engine, { seed: { Product: 8 } });
      const bad = ctx.fake.insert('Product', { TaxPercent: 'twelve', Name: 'Broken' });
      ctx.fake.insert('Product', { Name: 'After the broken one' });
      const summary = await syncMahakEntity({
        client: ctx.client,
        entity: 'Product',
        checkpoints: ctx.checkpoints,
        pageSize: 4,
        sink: sinkOf(ctx, 'Product'),
        deadLetter: deadLetterOf(ctx),
      });
      expect(summary.deadLettered).toBe(1);
      expect(summary.upserts).toBe(9);
      const { rows } = await ctx.db.query(
        `SELECT entity, record_id, reason, code, raw->>'Name' AS name FROM ${tableName('dead_letters', ctx.place)}`,
      );
      expect(rows).toEqual([
        {
          entity: 'Product',
          record_id: String(bad),
          reason: expect.stringMatching(/TaxPercent/),
          code: 'VALIDATION',
          name: 'Broken',
        },
      ]);
      const synced = await tableRows(ctx, 'Product');
      expect(synced.map((r) => r.id)).not.toContain(String(bad));
      expect(synced).toHaveLength(9);
    });

    it('dead-letters a record whose id is not an int64, and the page, the entity and the later entities go on', async () => {
      ctx = await setup(engine, { seed: { Person: 10, Product: 5, ProductDetail: 6 } });
      ctx.fake.update('Person', 4, { PersonId: new JsonNumber('99999999999999999999'), FirstName: 'Bad id' });
      const run = () => syncAll(ctx!);
      const first = await run();
      expect(first.map((s) => [s.entity, s.upserts, s.deadLettered])).toEqual([
        ['Person', 9, 1],
        ['Product', 5, 0],
        ['ProductDetail', 6, 0],
      ]);
      const { rows } = await ctx.db.query<{ entity: string; reason: string; code: string; name: string }>(
        `SELECT entity, reason, code, raw->>'FirstName' AS name FROM ${tableName('dead_letters', ctx.place)}`,
      );
      expect(rows).toEqual([
        {
          entity: 'Person',
          reason: expect.stringMatching(/PersonId: 99999999999999999999 is outside the int64 range/),
          code: 'VALIDATION',
          name: 'Bad id',
        },
      ]);
      expect((await tableRows(ctx, 'Person')).map((r) => r.id)).toEqual(['1', '2', '3', '5', '6', '7', '8', '9', '10']);
      // A re-run does not fail either: with no readable RowVersion the record may be read again (the last of its
      // entity here), and it is the same dead letter, not a second one.
      const second = await run();
      expect(second.map((s) => s.upserts)).toEqual([0, 0, 0]);
      const again = await ctx.db.query(`SELECT 1 FROM ${tableName('dead_letters', ctx.place)}`);
      expect(again.rows).toHaveLength(1);
      // Once newer records follow it, the checkpoint moves past it.
      ctx.fake.insert('Person', { FirstName: 'Later' });
      const third = await run();
      expect(third[0]).toMatchObject({ upserts: 1 });
      expect(await ctx.checkpoints.get('mahak:1', 'Person')).toBe(ctx.fake.rowVersion);
      expect((await run())[0]).toMatchObject({ records: 0 });
    });
  });

describe.skipIf(!servers.postgresUrl)('migrations', () => {
  let pool: pg.Pool;
  beforeEach(async () => {
    pool = new pg.Pool({ connectionString: await servers.freshDatabase(), max: 4 });
  });
  afterEach(async () => {
    await pool.end();
  });

  it('apply once, concurrently and repeatedly without harm', async () => {
    const results = await Promise.all([migrateMahakSchema(pool), migrateMahakSchema(pool), migrateMahakSchema(pool)]);
    expect(results.flat()).toEqual([1]);
    expect(await migrateMahakSchema(pool)).toEqual([]);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE 'mahak\\_%'`,
    );
    expect(rows[0].n).toBe(13); // the entity tables
    const log = await pool.query(`SELECT scope, id FROM relaykit_schema_migrations WHERE scope LIKE 'mahak:%'`);
    expect(log.rows).toEqual([{ scope: 'mahak:public.mahak_', id: '001-entity-tables' }]);
  });
});

describe.skipIf(!servers.postgresUrl)('the pg pool API', () => {
  it("syncs with createPostgresMahakSink and sdk-core's PostgresCheckpointStore, into another schema", async () => {
    const fake = await startFakeMahak({ seed: { Product: 12 }, startRowVersion: START });
    const pool = new pg.Pool({ connectionString: await servers.freshDatabase(), max: 2 });
    const client = new MahakClient({ baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 });
    const checkpoints = new PostgresCheckpointStore({ pool });
    try {
      const place = { schema: 'shop', tablePrefix: 'mk_' };
      expect(await migrateMahakSchema(pool, place)).toEqual([1]);
      const sink = createPostgresMahakSink({ pool, entity: 'Product', checkpoints, ...place });
      expect(sink.strategy).toBe('copy');
      const summary = await syncMahakEntity({ client, entity: 'Product', checkpoints, sink, pageSize: 5 });
      expect(summary.upserts).toBe(12);
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n, max(row_version)::text AS top FROM shop.mk_product`,
      );
      expect(rows[0]).toEqual({ n: 12, top: String(START + 12n) });
      expect(await checkpoints.get('mahak:1', 'Product')).toBe(START + 12n);
      // The same store on a SqlClient over that pool reads the same checkpoint.
      expect(await new PostgresCheckpointStore({ db: postgresSqlClient({ pool }) }).get('mahak:1', 'Product')).toBe(
        START + 12n,
      );
    } finally {
      await client.close();
      await checkpoints.close();
      await pool.end();
      await fake.close();
    }
  });
});

describe('migrations on PGlite', () => {
  it('apply once, into a schema of their own', async () => {
    const db = (pglite ??= await pgliteSqlClient()); // the file's PGlite (closed after all): its start-up is the slow part
    const place = { schema: 'accounting' };
    expect(await migrateMahakSchema(db, place)).toEqual([1]);
    expect(await migrateMahakSchema(db, place)).toEqual([]);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'accounting'`,
    );
    expect(rows[0]!.n).toBe(13);
  });
});

describe.skipIf(!servers.postgresUrl)('COPY fast path for new ids', () => {
  it('falls back to the guarded upsert when another writer inserts the same ids meanwhile', async () => {
    const ctx = await setup(ENGINES[0]!, { seed: { Person: 6 } });
    const other = new pg.Client({
      connectionString: (ctx.db as unknown as { pool: pg.Pool }).pool.options.connectionString,
    });
    await other.connect();
    try {
      // Uncommitted when the sink looks for existing ids: ids 3 and 4 look new, so they go to the direct COPY, which
      // waits on the other transaction's keys and fails once it commits.
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO mahak_person (mahak_id, row_version, first_name, raw) VALUES (3, $1, 'newer elsewhere', '{}'), (4, 5, 'older elsewhere', '{}')`,
        [String(START + 1000n)],
      );
      const sync = syncMahakEntity({
        client: ctx.client,
        entity: 'Person',
        checkpoints: ctx.checkpoints,
        sink: sinkOf(ctx, 'Person'),
      });
      // Commit only once the sink's COPY is waiting on those keys, so the fallback is what gets tested.
      await waitFor(
        async () =>
          (
            await ctx.db.query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY "public"."mahak_person"%'`,
            )
          ).rows.length > 0,
        'the direct COPY to wait on the other transaction',
        { timeoutMs: 10_000, intervalMs: 20 },
      );
      await other.query('COMMIT');
      expect((await sync).upserts).toBe(6);
      const { rows } = await ctx.db.query<{ id: string; rv: string; first_name: string }>(
        `SELECT mahak_id::text AS id, row_version::text AS rv, first_name FROM mahak_person ORDER BY mahak_id`,
      );
      expect(rows.map((r) => r.id)).toEqual(['1', '2', '3', '4', '5', '6']);
      expect(rows[2]).toEqual({ id: '3', rv: String(START + 1000n), first_name: 'newer elsewhere' }); // the guard kept the newer row
      expect(rows[3]!.first_name).toBe('FirstName 4'); // the older one was replaced
      expect(await ctx.checkpoints.get('mahak:1', 'Person')).toBe(START + 6n);
    } finally {
      await other.end();
      await teardown(ctx);
    }
  });

  it('mixes new and known ids in one batch', async () => {
    const ctx = await setup(ENGINES[0]!, { seed: { Person: 5 } });
    try {
      await syncMahakEntity({
        client: ctx.client,
        entity: 'Person',
        checkpoints: ctx.checkpoints,
        sink: sinkOf(ctx, 'Person'),
      });
      ctx.fake.update('Person', 2, { FirstName: 'Changed' });
      ctx.fake.insert('Person', { FirstName: 'Added' });
      const second = await syncMahakEntity({
        client: ctx.client,
        entity: 'Person',
        checkpoints: ctx.checkpoints,
        sink: sinkOf(ctx, 'Person'),
      });
      expect(second.upserts).toBe(2);
      const { rows } = await ctx.db.query<{ first_name: string }>(
        `SELECT first_name FROM mahak_person ORDER BY mahak_id`,
      );
      expect(rows.map((r) => r.first_name)).toEqual([
        'FirstName 1',
        'Changed',
        'FirstName 3',
        'FirstName 4',
        'FirstName 5',
        'Added',
      ]);
    } finally {
      await teardown(ctx);
    }
  });
});
