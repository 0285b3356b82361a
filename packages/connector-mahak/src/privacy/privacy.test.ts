import {
  instantiateConnector,
  pgliteSqlClient,
  type OperationContext,
  type PrivacySubject,
  type SqlClient,
} from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mahakConnector } from '../connector.js';
import { startFakeMahak, type FakeMahak } from '../testing/index.js';
import { mahakPrivacy, type MahakPrivacyState } from './index.js';

type Instance = Awaited<ReturnType<typeof instantiateConnector<typeof mahakConnector>>>;

const household = '+9779841234567';
const alice: PrivacySubject = { phones: [household], emails: ['alice.gurung@example.org'], externalIds: [] };
const carol: PrivacySubject = { phones: ['+9779851112233'], emails: [], externalIds: ['P-CAROL'] };

describe('mahakPrivacy on the runtime database (PGlite)', () => {
  let fake: FakeMahak;
  let db: SqlClient;
  let mahak: Instance;
  let ctx: OperationContext<MahakPrivacyState>;
  const ids = {} as Record<'alice' | 'bob' | 'carol' | 'order' | 'line' | 'bobOrder' | 'receipt', number>;

  beforeAll(async () => {
    fake = await startFakeMahak();
    db = await pgliteSqlClient();
    mahak = await instantiateConnector(mahakConnector, {
      config: { baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: '1' },
      database: db,
    });
    ctx = { instance: 'mahak', state: mahak.state, signal: new AbortController().signal } as never;
    // Two guardians share the household phone (written locally, as shops do); Carol has her own.
    ids.alice = fake.insert('Person', {
      FirstName: 'Alice',
      LastName: 'Gurung',
      Mobile: '0984-1234567',
      Email: 'Alice.Gurung@example.org',
      Address: 'Ward 4, Lalitpur',
    });
    ids.bob = fake.insert('Person', {
      FirstName: 'Bobby',
      LastName: 'Gurungsson',
      Mobile: '9841234567',
      Email: 'bob@example.org',
    });
    ids.carol = fake.insert('Person', {
      FirstName: 'Carol',
      LastName: 'Thapaliya',
      Mobile: '+977 985-1112233',
      PersonCode: 'P-CAROL',
    });
    ids.order = fake.insert('Order', { PersonId: ids.alice, Description: 'Uniform for Alice Gurung' });
    ids.line = fake.insert('OrderDetail', { OrderId: ids.order, Description: 'Size M, Alice' });
    ids.bobOrder = fake.insert('Order', { PersonId: ids.bob, Description: 'Books for Bobby' });
    ids.receipt = fake.insert('Receipt', { PersonId: ids.carol, Description: 'Paid by Carol Thapaliya' });
    await mahak.run('syncAll', { entities: ['Person', 'Order', 'OrderDetail', 'Receipt'] });
  }, 60_000);
  afterAll(async () => {
    await mahak?.close();
    await db?.close();
    await fake?.close();
  });

  const exportOf = async (subject: PrivacySubject) => {
    const out = [];
    for await (const r of mahakPrivacy.access(ctx, subject)) out.push(r);
    return out;
  };

  it("exports a subject's persons and what depends on them, and nobody else's", async () => {
    const records = await exportOf(alice);
    expect(records.map((r) => [r.class, r.source.id])).toEqual([
      ['persons', String(ids.alice)],
      ['orders', String(ids.order)],
      ['orderDetails', String(ids.line)],
    ]);
    expect(records[0]!.source.name).toBe('"public"."mahak_person"');
    expect(records[0]!.data).toMatchObject({
      first_name: 'Alice',
      mobile: '0984-1234567',
      mahak_id: String(ids.alice),
    });
    // The shared phone alone names both guardians of the household.
    const household_ = await exportOf({ phones: [household], emails: [], externalIds: [] });
    expect(household_.filter((r) => r.class === 'persons').map((r) => r.source.id)).toEqual([
      String(ids.alice),
      String(ids.bob),
    ]);
    expect((await exportOf(carol)).map((r) => r.class)).toEqual(['persons', 'receipts']);
  });

  it('pseudonymises the subject: ids, amounts and links stay, personal fields go', async () => {
    expect(await mahakPrivacy.erase(ctx, alice)).toEqual({
      persons: 1,
      visitors: 0,
      orders: 1,
      receipts: 0,
      transactions: 0,
      orderDetails: 1,
      cheques: 0,
      deadLetters: 0,
    });
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT mahak_id::text AS id, code, first_name, mobile, email, address, raw::text AS raw FROM mahak_person ORDER BY mahak_id`,
    );
    expect(rows[0]).toMatchObject({
      id: String(ids.alice),
      first_name: null,
      mobile: null,
      email: null,
      address: null,
    });
    expect(rows[0]!.code).not.toBeNull();
    expect(rows[0]!.raw).not.toMatch(/Alice|Gurung|1234567|Lalitpur/);
    expect(rows[0]!.raw).toContain('"$erased": true');
    expect(rows[1]).toMatchObject({ first_name: 'Bobby', mobile: '9841234567' });
    const order = await db.query<Record<string, unknown>>(
      `SELECT person_id::text AS person, description, raw::text AS raw FROM mahak_order WHERE mahak_id = $1`,
      [ids.order],
    );
    expect(order.rows[0]).toMatchObject({ person: String(ids.alice), description: null });
    expect(order.rows[0]!.raw).not.toContain('Alice');
    expect(await exportOf(alice)).toEqual([]);
    expect((await mahakPrivacy.erase(ctx, alice)).persons).toBe(0);
  });

  it('purges rows Mahak deleted once their retention is over', async () => {
    fake.remove('Person', ids.bob);
    await mahak.run('syncEntity', { entity: 'Person' });
    expect(await mahakPrivacy.purge!(ctx, { deletedRows: new Date(Date.now() - 60_000) })).toEqual({ deletedRows: 0 });
    expect(await mahakPrivacy.purge!(ctx, { deletedRows: new Date(Date.now() + 60_000) })).toEqual({ deletedRows: 1 });
    const { rows } = await db.query('SELECT 1 FROM mahak_person WHERE mahak_id = $1', [ids.bob]);
    expect(rows).toEqual([]);
    expect(await mahakPrivacy.purge!(ctx, {})).toEqual({});
  });
});
