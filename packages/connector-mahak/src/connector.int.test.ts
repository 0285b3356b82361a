import { createMemoryDeadLetterSink, instantiateConnector, pgliteSqlClient, silentLogger } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { mahakConnector } from './connector.js';
import { MahakApiError } from './errors/index.js';
import { startFakeMahak, type FakeMahak } from './testing/index.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('mahakConnector', () => {
  let fake: FakeMahak | undefined;
  afterEach(async () => {
    await fake?.close();
  });

  it('syncs, reads, pushes and reports health through the connector contract', async () => {
    fake = await startFakeMahak({
      seed: { Person: 12, Product: 9, ProductDetail: 9, Bank: 2 },
      startRowVersion: 2n ** 53n,
    });
    const url = await servers.freshDatabase();
    const mahak = await instantiateConnector(mahakConnector, {
      config: {
        baseUrl: fake.url,
        userName: 'demo',
        password: 'demo-password',
        databaseId: '1',
        postgres: { url },
        pageSize: 5,
      },
    });
    try {
      const progress: unknown[] = [];
      const all = await mahak.run(
        'syncAll',
        { entities: ['Person', 'Product', 'ProductDetail', 'Bank'] },
        { onProgress: (e) => progress.push(e) },
      );
      expect(all.entities.map((e) => [e.entity, e.upserts])).toEqual([
        ['Person', 12],
        ['Product', 9],
        ['ProductDetail', 9],
        ['Bank', 2],
      ]);
      expect(all.entities[0]!.checkpoint).toBe(String(2n ** 53n + 12n));
      expect(progress.length).toBeGreaterThan(0);

      fake.update('Bank', 1, { Name: 'Bank Melli' });
      const one = await mahak.run('syncEntity', { entity: 'Bank' });
      expect(one.upserts).toBe(1);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const { rows } = await db.query(`SELECT name FROM mahak_bank WHERE mahak_id = 1`);
      await db.end();
      expect(rows).toEqual([{ name: 'Bank Melli' }]);

      const data = await mahak.run('getData', { entity: 'Person', fromVersion: String(2n ** 53n + 10n) });
      expect(data.records.map((r) => r.PersonId)).toEqual([11, 12]);
      expect(data.lastRowVersion).toBe(String(2n ** 53n + 12n));

      const order = {
        storeOrderId: 'WEB-1001',
        personId: '1',
        orderDate: '2025-03-01T10:00:00Z',
        details: [{ productDetailId: 1, price: '10.5', count1: '3' }],
      };
      const pushed = await mahak.run('pushOrders', { orders: [order] });
      const again = await mahak.run('pushOrders', { orders: [order] });
      expect(pushed.results[0]!.ok).toBe(true);
      expect(again.results[0]!.mahakOrderId).toBe(pushed.results[0]!.mahakOrderId);
      expect(fake.count('Order')).toBe(1);

      const receipts = await mahak.run('pushReceipts', {
        receipts: [{ storeReceiptId: 'PAY-1', personId: '1', cashAmount: '31.5', date: '2025-03-01T10:00:00Z' }],
      });
      expect(receipts.results[0]!.ok).toBe(true);

      expect(
        (
          await mahakConnector.health!({
            ...mahak.services,
            instance: 'mahak',
            state: mahak.state,
            signal: new AbortController().signal,
            attempt: 1,
            progress: () => {},
          })
        ).ok,
      ).toBe(true);
      expect(
        mahakConnector.classify!(
          new MahakApiError({ code: 401, message: 'expired', endpoint: 'GetAllData', authFailure: true }),
          { attempt: 1, idempotent: true },
        ),
      ).toEqual({ action: 'reauthenticate' });
      expect(
        mahakConnector.classify!(new MahakApiError({ code: 9, message: 'no', endpoint: 'GetAllData' }), {
          attempt: 1,
          idempotent: true,
        }),
      ).toEqual({ action: 'fatal' });
    } finally {
      await mahak.close();
    }
  });
});

describe('mahakConnector operations', () => {
  it('document every operation with an example its input schema accepts', () => {
    for (const [name, operation] of Object.entries(mahakConnector.operations)) {
      expect(operation.example, name).toBeDefined();
      expect(operation.input.safeParse(operation.example).success, name).toBe(true);
    }
  });
});

describe('mahakConnector without postgres.url', () => {
  let fake: FakeMahak | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it("syncs into the runtime's database (embedded PGlite), checkpoints in the same database", async () => {
    fake = await startFakeMahak({
      seed: { Product: 14, Bank: 3 },
      startRowVersion: 2n ** 53n,
      pageSize: 4,
      paging: 'adversarial',
      seedRowsPerVersion: 3,
    });
    const database = await pgliteSqlClient();
    const mahak = await instantiateConnector(mahakConnector, {
      config: { baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: '1', pageSize: 4 },
      database,
    });
    try {
      expect(mahak.state.store.kind).toBe('sql');
      const all = await mahak.run('syncAll', { entities: ['Product', 'Bank'] });
      expect(all.entities.map((e) => [e.entity, e.upserts])).toEqual([
        ['Product', 14],
        ['Bank', 3],
      ]);
      fake.update('Product', 2, { Name: 'Renamed' });
      fake.remove('Product', 3);
      expect((await mahak.run('syncEntity', { entity: 'Product' })).records).toBe(2);
      const { rows } = await database.query<{ id: string; rv: string; deleted: boolean; name: string }>(
        'SELECT mahak_id::text AS id, row_version::text AS rv, deleted_at IS NOT NULL AS deleted, name FROM mahak_product ORDER BY mahak_id',
      );
      expect(rows.map((r) => [r.id, r.rv, r.deleted])).toEqual(
        fake.allRows('Product').map((r) => [String(r.ProductId), String(r.RowVersion), r.Deleted === true]),
      );
      expect(rows.find((r) => r.id === '2')!.name).toBe('Renamed');
      const cp = await database.query<{ cursor: string }>(
        `SELECT "cursor" FROM relaykit_checkpoints WHERE source = 'mahak:1' AND entity = 'Product'`,
      );
      expect(cp.rows).toEqual([
        {
          cursor: `b:${String(fake.allRows('Product').reduce((m, r) => (BigInt(r.RowVersion as bigint) > m ? BigInt(r.RowVersion as bigint) : m), 0n))}`,
        },
      ]);
    } finally {
      await mahak.close();
      await database.close(); // borrowed by the instance, not closed by it
    }
  }, 90_000); // embedded PGlite on a busy machine: migrations and syncs take well over the default 20 s

  it("writes dead letters to the runtime's sink and replays them through the transform and the sink", async () => {
    fake = await startFakeMahak({ seed: { Product: 2 } });
    const bad = fake.insert('Product', { TaxPercent: 'twelve', Name: 'Broken' });
    const database = await pgliteSqlClient();
    const deadLetters = createMemoryDeadLetterSink();
    const mahak = await instantiateConnector(mahakConnector, {
      config: { baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: '1' },
      database,
      deadLetters,
    });
    try {
      expect((await mahak.run('syncEntity', { entity: 'Product' })).deadLettered).toBe(1);
      expect(deadLetters.entries.map((e) => String(e.id))).toEqual([String(bad)]);
      const ctx = {
        ...mahak.services,
        instance: 'm',
        state: mahak.state,
        signal: AbortSignal.timeout(10_000),
        attempt: 1,
        progress: () => undefined,
      };
      // As stored: still invalid, it fails again with the reason.
      const [again] = await mahakConnector.replayDeadLetters!(ctx, deadLetters.entries);
      expect(again).toMatchObject({ ok: false, reason: expect.stringContaining('TaxPercent') });
      // Corrected (e.g. the transform now reads it, here the stored record as a fix would leave it): it lands in the table.
      const fixed = { ...deadLetters.entries[0]!, raw: { ...(deadLetters.entries[0]!.raw as object), TaxPercent: 12 } };
      expect(await mahakConnector.replayDeadLetters!(ctx, [fixed])).toEqual([{ ok: true }]);
      const { rows } = await database.query<{ name: string }>('SELECT name FROM mahak_product WHERE mahak_id = $1', [
        bad,
      ]);
      expect(rows).toEqual([{ name: 'Broken' }]);
      expect(await mahakConnector.replayDeadLetters!(ctx, [{ ...fixed, entity: 'Nope' }])).toEqual([
        { ok: false, reason: '"Nope" is no Mahak entity', code: undefined },
      ]);
    } finally {
      await mahak.close();
      await database.close();
    }
  }, 90_000); // embedded PGlite on a busy machine: migrations and syncs take well over the default 20 s

  it('falls back to memory, with a warning, when there is no database at all', async () => {
    fake = await startFakeMahak({ seed: { Bank: 5 } });
    const warnings: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (_o: unknown, message?: string) => {
        warnings.push(String(message));
      },
      child: () => logger,
    };
    const mahak = await instantiateConnector(mahakConnector, {
      config: { baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 },
      logger: logger as typeof silentLogger,
    });
    try {
      expect(warnings.some((w) => /memory/.test(w))).toBe(true);
      expect((await mahak.run('syncEntity', { entity: 'Bank' })).upserts).toBe(5);
      expect((await mahak.run('syncEntity', { entity: 'Bank' })).records).toBe(0);
      const store = mahak.state.store;
      expect(store.kind === 'memory' && store.sinks.get('Bank')!.live().length).toBe(5);
    } finally {
      await mahak.close();
    }
  });
});
