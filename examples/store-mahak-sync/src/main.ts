// One command: start a fake Mahak with a store's data, back-fill it into PostgreSQL, change things in Mahak, run the
// incremental pass, push two web orders back, and print a summary. PostgreSQL: DATABASE_URL, or a throwaway server;
// `--embedded`: an embedded PGlite database instead (nothing to install or start).
import { pathToFileURL } from 'node:url';
import {
  PostgresCheckpointStore,
  pgliteSqlClient,
  postgresSqlClient,
  type SqlClient,
  type SyncSummary,
} from '@relaykit/sdk-core';
import {
  ENTITY_NAMES,
  MahakClient,
  createMahakDeadLetterSink,
  createMahakSink,
  entityTable,
  migrateMahakSchema,
  pushOrders,
  syncMahakEntities,
  type EntityName,
} from '@relaykit/connector-mahak';
import { startFakeMahak } from '@relaykit/connector-mahak/testing';
import { startPostgres } from '@relaykit/testkit';
import cliProgress from 'cli-progress';

/** Options of {@link main}. */
export interface MainOptions {
  /** PostgreSQL to sync into; default `DATABASE_URL`, else a throwaway server started here. */
  databaseUrl?: string;
  /** Sync into an embedded PGlite database (in memory) instead of PostgreSQL. */
  embedded?: boolean;
  /** Scale of the fake store's data (default 1: ~6,000 records). */
  scale?: number;
  /** Show the progress bar (default: when stderr is a TTY). */
  progress?: boolean;
  /** Where the summary goes (default stdout). */
  log?: (line: string) => void;
}

/** Totals of one pass. */
export interface PassSummary {
  records: number;
  upserts: number;
  deletes: number;
  deadLettered: number;
  seconds: number;
  rate: number;
}

/** What {@link main} did. */
export interface MainResult {
  backfill: PassSummary;
  incremental: PassSummary;
  pushedOrders: Array<{ storeOrderId: string; mahakOrderId: string | null }>;
  tables: Record<string, { live: number; deleted: number }>;
}

const totals = (summaries: SyncSummary[], seconds: number): PassSummary => {
  const records = summaries.reduce((n, s) => n + s.records, 0);
  return {
    records,
    seconds,
    rate: Math.round(records / Math.max(seconds, 0.001)),
    upserts: summaries.reduce((n, s) => n + s.upserts, 0),
    deletes: summaries.reduce((n, s) => n + s.deletes, 0),
    deadLettered: summaries.reduce((n, s) => n + s.deadLettered, 0),
  };
};

/** Runs the whole demo and returns what it did. */
export async function main(options: MainOptions = {}): Promise<MainResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const scale = options.scale ?? 1;
  const seed: Partial<Record<EntityName, number>> = {
    PersonGroup: 5,
    Person: Math.round(1500 * scale),
    Visitor: 10,
    Bank: 8,
    Store: 3,
    ProductCategory: 20,
    Product: Math.round(800 * scale),
    ProductDetail: Math.round(900 * scale),
    Order: Math.round(600 * scale),
    OrderDetail: Math.round(1500 * scale),
    Receipt: Math.round(300 * scale),
    Cheque: 50,
    Transaction: Math.round(400 * scale),
  };
  const fake = await startFakeMahak({
    seed,
    startRowVersion: 2n ** 53n + 1000n,
    seedRowsPerVersion: 3,
    paging: 'adversarial',
  });
  fake.insert('ProductDetail', { Barcode: 'BROKEN-1', Price1: 'N/A' }); // a malformed record: dead-lettered, the run goes on
  const url = options.embedded ? undefined : (options.databaseUrl ?? process.env.DATABASE_URL);
  const server = options.embedded || url ? undefined : await startPostgres();
  // The same sink, checkpoints and dead letters on either database: a SqlClient (COPY is used on PostgreSQL).
  const db: SqlClient = options.embedded
    ? await pgliteSqlClient()
    : postgresSqlClient({ url: url ?? (await server!.createDatabase('store')), max: 4 });
  const checkpoints = new PostgresCheckpointStore({ db });
  const mahak = new MahakClient({ baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 });
  const showBar = options.progress ?? process.stderr.isTTY === true;
  try {
    await migrateMahakSchema(db);
    const deadLetter = createMahakDeadLetterSink({ db });
    const pass = async (label: string, expected: number): Promise<PassSummary> => {
      const bar = new cliProgress.SingleBar(
        { format: `${label} |{bar}| {value}/{total} records | {entity} | {rate} rec/s`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      if (showBar) bar.start(expected, 0, { entity: '', rate: 0 });
      let done = 0;
      const started = performance.now();
      const summaries = await syncMahakEntities({
        client: mahak,
        checkpoints,
        deadLetter,
        pageSize: 500,
        sinkFor: (entity) => createMahakSink({ db, entity, checkpoints }),
        onProgress: (p) => {
          if (showBar) bar.update(done + p.records, { entity: p.entity, rate: Math.round(p.recordsPerSecond) });
        },
      }).then((list) => {
        done = list.reduce((n, s) => n + s.records, 0);
        return list;
      });
      if (showBar) {
        bar.update(done);
        bar.stop();
      }
      return totals(summaries, (performance.now() - started) / 1000);
    };

    const expectedBackfill = ENTITY_NAMES.reduce((n, e) => n + fake.count(e), 0);
    const backfill = await pass('backfill   ', expectedBackfill);

    // Meanwhile, in Mahak: prices change, products are retired, new customers arrive.
    let changes = 0;
    fake.transaction(() => {
      for (let id = 1; id <= 40; id++) {
        fake.update('ProductDetail', id, { Price1: `${1_000_000 + id}.50` });
        changes++;
      }
    });
    for (let id = 41; id <= 50; id++) {
      fake.remove('Product', id);
      changes++;
    }
    for (let i = 0; i < 25; i++) {
      fake.insert('Person', { FirstName: `New customer ${i}` });
      changes++;
    }
    const incremental = await pass('incremental', changes);

    // The store's web orders go to Mahak; a replay (say, after a timeout) creates nothing twice.
    const webOrders = [1, 2].map((n) => ({
      storeOrderId: `WEB-${1000 + n}`,
      personId: n,
      orderDate: new Date('2025-03-01T10:00:00Z'),
      sendCost: '250000',
      details: [{ productDetailId: n, price: '1250000', count1: '2' }],
    }));
    await pushOrders(mahak, webOrders);
    const pushed = await pushOrders(mahak, webOrders);

    const tables: MainResult['tables'] = {};
    for (const entity of ['Person', 'Product', 'ProductDetail'] as const) {
      const { rows } = await db.query<{ live: number; deleted: number }>(
        `SELECT count(*) FILTER (WHERE deleted_at IS NULL)::int AS live, count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted FROM ${entityTable(entity)}`,
      );
      tables[entity] = rows[0]!;
    }
    const line = (name: string, p: PassSummary) =>
      `${name}: ${p.records} records (${p.upserts} upserts, ${p.deletes} deletes, ${p.deadLettered} dead-lettered) in ${p.seconds.toFixed(2)} s, ${p.rate} records/s`;
    log(`database: ${db.engine === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}`);
    log(line('backfill', backfill));
    log(line('incremental', incremental));
    log(
      `pushed orders: ${pushed.map((o) => `${o.storeOrderId} → Mahak order ${o.mahakOrderId}`).join(', ')} (pushed twice, created once: ${fake.count('Order') - (seed.Order ?? 0)} new)`,
    );
    for (const [entity, t] of Object.entries(tables)) log(`table ${entity}: ${t.live} live, ${t.deleted} deleted`);
    return {
      backfill,
      incremental,
      pushedOrders: pushed.map((o) => ({
        storeOrderId: o.storeOrderId,
        mahakOrderId: o.mahakOrderId?.toString() ?? null,
      })),
      tables,
    };
  } finally {
    await mahak.close();
    await db.close();
    await fake.close();
    await server?.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main({ embedded: process.argv.includes('--embedded') });
}
