import { instantiateConnector } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { mahakConnector } from './connector.js';
import { MahakApiError } from './errors.js';
import { startFakeMahak, type FakeMahak } from './testing/index.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('mahakConnector', () => {
  let fake: FakeMahak | undefined;
  afterEach(async () => { await fake?.close(); });

  it('syncs, reads, pushes and reports health through the connector contract', async () => {
    fake = await startFakeMahak({ seed: { Person: 12, Product: 9, ProductDetail: 9, Bank: 2 }, startRowVersion: 2n ** 53n });
    const url = await servers.freshDatabase();
    const mahak = await instantiateConnector(mahakConnector, {
      config: { baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: '1', postgres: { url }, pageSize: 5 },
    });
    try {
      const progress: unknown[] = [];
      const all = await mahak.run('syncAll', { entities: ['Person', 'Product', 'ProductDetail', 'Bank'] }, { onProgress: (e) => progress.push(e) });
      expect(all.entities.map((e) => [e.entity, e.upserts])).toEqual([['Person', 12], ['Product', 9], ['ProductDetail', 9], ['Bank', 2]]);
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

      const order = { storeOrderId: 'WEB-1001', personId: '1', orderDate: '2025-03-01T10:00:00Z', details: [{ productDetailId: 1, price: '10.5', count1: '3' }] };
      const pushed = await mahak.run('pushOrders', { orders: [order] });
      const again = await mahak.run('pushOrders', { orders: [order] });
      expect(pushed.results[0]!.ok).toBe(true);
      expect(again.results[0]!.mahakOrderId).toBe(pushed.results[0]!.mahakOrderId);
      expect(fake.count('Order')).toBe(1);

      const receipts = await mahak.run('pushReceipts', { receipts: [{ storeReceiptId: 'PAY-1', personId: '1', cashAmount: '31.5', date: '2025-03-01T10:00:00Z' }] });
      expect(receipts.results[0]!.ok).toBe(true);

      expect((await mahakConnector.health!({ ...mahak.services, instance: 'mahak', state: mahak.state, signal: new AbortController().signal, attempt: 1, progress: () => {} })).ok).toBe(true);
      expect(mahakConnector.classify!(new MahakApiError({ code: 401, message: 'expired', endpoint: 'GetAllData', authFailure: true }), { attempt: 1, idempotent: true })).toEqual({ action: 'reauthenticate' });
      expect(mahakConnector.classify!(new MahakApiError({ code: 9, message: 'no', endpoint: 'GetAllData' }), { attempt: 1, idempotent: true })).toEqual({ action: 'fatal' });
    } finally {
      await mahak.close();
    }
  });

  it('refuses to sync without a PostgreSQL configured', async () => {
    fake = await startFakeMahak();
    const mahak = await instantiateConnector(mahakConnector, { config: { baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 } });
    try {
      await expect(mahak.run('syncEntity', { entity: 'Person' })).rejects.toMatchObject({ code: 'CONFIG' });
    } finally {
      await mahak.close();
    }
  });
});
