import { PostgresCheckpointStore, type SyncBatch } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMahak, type FakeMahak, type FakeMahakOptions } from '../testing/index.js';
import { MahakClient } from '../client/index.js';
import { keysOf, type EntityName } from '../entities/catalogue.js';
import { createPostgresDeadLetterSink, createPostgresMahakSink, entityTable, migrateMahakSchema, tableName, type RawRecord } from '../sink/index.js';
import type { LocalRow } from '../transform/index.js';
import { syncMahakEntities, syncMahakEntity } from './sync.js';

const servers = sharedServers();
const START = 2n ** 53n + 1000n;
const ENTITIES: EntityName[] = ['Person', 'Product', 'ProductDetail'];

interface Ctx { fake: FakeMahak; pool: pg.Pool; client: MahakClient; checkpoints: PostgresCheckpointStore }

async function setup(options: FakeMahakOptions): Promise<Ctx> {
  const fake = await startFakeMahak({ startRowVersion: START, ...options });
  const pool = new pg.Pool({ connectionString: await servers.freshDatabase(), max: 4 });
  await migrateMahakSchema(pool);
  const client = new MahakClient({ baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 });
  return { fake, pool, client, checkpoints: new PostgresCheckpointStore({ pool }) };
}

async function teardown(ctx: Ctx | undefined) {
  if (!ctx) return;
  await ctx.client.close();
  await ctx.checkpoints.close();
  await ctx.pool.end();
  await ctx.fake.close();
}

/** Syncs `entities`; `crashOn` makes the sink fail once inside its transaction, before the checkpoint, at that batch. */
async function syncAll(ctx: Ctx, options: { crashOn?: number; pageSize?: number } = {}) {
  let batches = 0;
  let crashed = false;
  return syncMahakEntities({
    client: ctx.client,
    checkpoints: ctx.checkpoints,
    deadLetter: createPostgresDeadLetterSink({ pool: ctx.pool }),
    entities: ENTITIES,
    pageSize: options.pageSize ?? 7,
    sinkFor: (entity) => createPostgresMahakSink({
      pool: ctx.pool, entity, checkpoints: ctx.checkpoints,
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

async function tableRows(pool: pg.Pool, entity: EntityName) {
  const { rows } = await pool.query(`SELECT mahak_id::text AS id, row_version::text AS rv, deleted_at IS NOT NULL AS deleted, raw FROM ${entityTable(entity)} ORDER BY mahak_id`);
  return rows as Array<{ id: string; rv: string; deleted: boolean; raw: RawRecord }>;
}

/** The table equals the fake: every row once, same RowVersion, deleted ones marked, live ones with the same data. */
async function expectMirror(ctx: Ctx) {
  for (const entity of ENTITIES) {
    const rows = await tableRows(ctx.pool, entity);
    const expected = ctx.fake.allRows(entity).map((r) => ({ id: String(r[keysOf(entity).id]), rv: String(r.RowVersion), deleted: r.Deleted === true }));
    expect(rows.map(({ id, rv, deleted }) => ({ id, rv, deleted }))).toEqual(expected);
    const live = ctx.fake.liveRows(entity);
    for (const [i, row] of rows.filter((r) => !r.deleted).entries()) {
      const want = live[i]!;
      for (const field of ['FirstName', 'Name', 'Price1'] as const) {
        if (field in want) expect(String(row.raw[field])).toBe(String(want[field] instanceof Object ? (want[field] as { text: string }).text : want[field]));
      }
    }
  }
}

describe.skipIf(!servers.postgresUrl)('Mahak → PostgreSQL sync', () => {
  let ctx: Ctx | undefined;
  afterEach(async () => { await teardown(ctx); ctx = undefined; });

  for (const paging of ['safe', 'adversarial'] as const) {
    it(`backfills, then applies updates, deletes and inserts, with crashes between batch and checkpoint (${paging} paging)`, async () => {
      ctx = await setup({ paging, seed: { Person: 40, Product: 25, ProductDetail: 31 }, seedRowsPerVersion: 4 });
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
      ctx = await setup({ paging, seed: { Person: 30 }, seedRowsPerVersion: 3 });
      const { fake } = ctx;
      fake.mutate((f, { call }) => {
        if (call === 2) { f.update('Person', 1, { FirstName: 'Changed after being read' }); f.insert('Person', { FirstName: 'Late' }); }
        if (call === 3) f.remove('Person', 2);
      });
      await syncMahakEntity({ client: ctx.client, entity: 'Person', checkpoints: ctx.checkpoints, pageSize: 5,
        sink: createPostgresMahakSink({ pool: ctx.pool, entity: 'Person', checkpoints: ctx.checkpoints }) });
      const rows = await tableRows(ctx.pool, 'Person');
      const expected = fake.allRows('Person').map((r) => ({ id: String(r.PersonId), rv: String(r.RowVersion), deleted: r.Deleted === true }));
      expect(rows.map(({ id, rv, deleted }) => ({ id, rv, deleted }))).toEqual(expected);
      expect(rows.find((r) => r.id === '1')!.raw.FirstName).toBe('Changed after being read');
    });
  }

  it('keeps RowVersions above 2^53 exact, end to end', async () => {
    ctx = await setup({ seed: { Person: 5 } });
    await syncAll(ctx);
    const { rows } = await ctx.pool.query(`SELECT row_version::text AS rv, raw->>'RowVersion' AS raw_rv FROM ${entityTable('Person')} ORDER BY row_version`);
    expect(rows.map((r) => r.rv)).toEqual(['9007199254741993', '9007199254741994', '9007199254741995', '9007199254741996', '9007199254741997']);
    expect(rows.map((r) => r.raw_rv)).toEqual(rows.map((r) => r.rv));
    const cp = await ctx.checkpoints.get('mahak:1', 'Person');
    expect(cp).toBe(START + 5n);
  });

  it('stores awkward text, money and dates exactly', async () => {
    ctx = await setup({});
    const names = ['a "quoted", {braced} \\ back\\slash', 'NULL', '', 'علی رضایی', ' padded ', 'tab\there\nnewline'];
    for (const name of names) ctx.fake.insert('Person', { FirstName: name, Credit: '12345678901234567890.1234', CreateDate: '2025-03-01T12:00:00' });
    ctx.fake.insert('Person', { FirstName: null, Credit: null });
    await syncMahakEntity({ client: ctx.client, entity: 'Person', checkpoints: ctx.checkpoints, sink: createPostgresMahakSink({ pool: ctx.pool, entity: 'Person', checkpoints: ctx.checkpoints }) });
    const { rows } = await ctx.pool.query(`SELECT first_name, credit::text AS credit, created_at FROM ${entityTable('Person')} ORDER BY mahak_id`);
    expect(rows.map((r) => r.first_name)).toEqual([...names, null]);
    expect(rows[0].credit).toBe('12345678901234567890.1234');
    expect(rows[6].credit).toBeNull();
    expect(rows[0].created_at).toEqual(new Date('2025-03-01T12:00:00Z'));
  });

  it('a replayed stale batch changes nothing', async () => {
    ctx = await setup({ seed: { Person: 6 } });
    const captured: Array<SyncBatch<LocalRow, RawRecord>> = [];
    const sink = createPostgresMahakSink({ pool: ctx.pool, entity: 'Person', checkpoints: ctx.checkpoints });
    const recording = { persistsCheckpoint: true, write: async (b: SyncBatch<LocalRow, RawRecord>, c: { signal: AbortSignal }) => { captured.push(b); await sink.write(b, c); } };
    await syncMahakEntity({ client: ctx.client, entity: 'Person', checkpoints: ctx.checkpoints, sink: recording });
    ctx.fake.update('Person', 1, { FirstName: 'Newer' });
    ctx.fake.remove('Person', 2);
    await syncMahakEntity({ client: ctx.client, entity: 'Person', checkpoints: ctx.checkpoints, sink: recording });
    const before = await tableRows(ctx.pool, 'Person');
    const cpBefore = await ctx.checkpoints.get('mahak:1', 'Person');
    await sink.write({ ...captured[0]!, checkpoint: undefined }, { signal: new AbortController().signal });
    expect(await tableRows(ctx.pool, 'Person')).toEqual(before);
    expect(before.find((r) => r.id === '1')!.raw.FirstName).toBe('Newer');
    expect(before.find((r) => r.id === '2')!.deleted).toBe(true);
    expect(await ctx.checkpoints.get('mahak:1', 'Person')).toBe(cpBefore);
  });

  it('dead-letters a malformed record with the reason and completes the run', async () => {
    ctx = await setup({ seed: { Product: 8 } });
    const bad = ctx.fake.insert('Product', { TaxPercent: 'twelve', Name: 'Broken' });
    ctx.fake.insert('Product', { Name: 'After the broken one' });
    const summary = await syncMahakEntity({
      client: ctx.client, entity: 'Product', checkpoints: ctx.checkpoints, pageSize: 4,
      sink: createPostgresMahakSink({ pool: ctx.pool, entity: 'Product', checkpoints: ctx.checkpoints }),
      deadLetter: createPostgresDeadLetterSink({ pool: ctx.pool }),
    });
    expect(summary.deadLettered).toBe(1);
    expect(summary.upserts).toBe(9);
    const { rows } = await ctx.pool.query(`SELECT entity, record_id, reason, code, raw->>'Name' AS name FROM ${tableName('dead_letters')}`);
    expect(rows).toEqual([{ entity: 'Product', record_id: String(bad), reason: expect.stringMatching(/TaxPercent/), code: 'VALIDATION', name: 'Broken' }]);
    const synced = await tableRows(ctx.pool, 'Product');
    expect(synced.map((r) => r.id)).not.toContain(String(bad));
    expect(synced).toHaveLength(9);
  });
});

describe.skipIf(!servers.postgresUrl)('migrations', () => {
  let pool: pg.Pool;
  beforeEach(async () => { pool = new pg.Pool({ connectionString: await servers.freshDatabase(), max: 4 }); });
  afterEach(async () => { await pool.end(); });

  it('apply once, concurrently and repeatedly without harm', async () => {
    const results = await Promise.all([migrateMahakSchema(pool), migrateMahakSchema(pool), migrateMahakSchema(pool)]);
    expect(results.flat()).toEqual([1]);
    expect(await migrateMahakSchema(pool)).toEqual([]);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE 'mahak\\_%'`);
    expect(rows[0].n).toBe(13 + 1); // entity tables + schema_migrations
  });
});
