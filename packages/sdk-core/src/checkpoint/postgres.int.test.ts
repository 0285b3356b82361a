import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresSqlClient } from '../sql/postgres.js';
import { createCheckpointStore } from './factory.js';
import { PostgresCheckpointStore } from './postgres.js';
import { checkpointStoreBehaviour } from '../test-support/checkpoint/store.contract.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('postgres', () => {
  // One database for the shared suite; a random namespace gives each test an empty store.
  let database: Promise<string> | undefined;
  checkpointStoreBehaviour('postgres', async () => {
    database ??= servers.freshDatabase();
    return new PostgresCheckpointStore({
      postgresUrl: await database,
      namespace: `t${Math.random().toString(36).slice(2)}`,
    });
  });

  it('migrates idempotently from several stores at once and keeps namespaces apart', async () => {
    const url = await servers.freshDatabase();
    const stores = Array.from(
      { length: 4 },
      (_, i) => new PostgresCheckpointStore({ postgresUrl: url, namespace: `ns${i % 2}` }),
    );
    await Promise.all(stores.map((s) => s.migrate()));
    await stores[0]!.set('s', 'e', 1n);
    await stores[1]!.set('s', 'e', 2n);
    expect(await stores[2]!.get('s', 'e')).toBe(1n);
    expect(await stores[3]!.get('s', 'e')).toBe(2n);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('runs on a SqlClient too, migrating through applyMigrations under its table scope', async () => {
    const db = postgresSqlClient({ url: await servers.freshDatabase(), max: 2 });
    try {
      const store = createCheckpointStore({ db, prefix: 'sql' });
      await store.set('mahak', 'Person', 2n ** 64n);
      await db.transaction(async (tx) => {
        await (store as PostgresCheckpointStore).setWithClient(tx, 'mahak', 'Product', 'tok');
      });
      expect(await store.get('mahak', 'Person')).toBe(18446744073709551616n);
      expect(await store.get('mahak', 'Product')).toBe('tok');
      const { rows } = await db.query<{ scope: string; id: string }>(
        'SELECT scope, id FROM relaykit_schema_migrations',
      );
      expect(rows).toEqual([{ scope: 'checkpoints:relaykit_checkpoints', id: '001-create' }]);
      await store.close();
      expect((await db.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]); // a borrowed db stays open
    } finally {
      await db.close();
    }
  });

  it('setWithClient commits and rolls back with the caller transaction', async () => {
    const url = await servers.freshDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const store = createCheckpointStore({ pool }) as PostgresCheckpointStore;
    expect(store).toBeInstanceOf(PostgresCheckpointStore);
    await pool.query('CREATE TABLE people (id text PRIMARY KEY, name text)');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO people VALUES ('1', 'Sara')`);
      await store.setWithClient(client, 'mahak', 'Person', 2n ** 53n + 1n);
      await client.query('ROLLBACK');
      expect(await store.get('mahak', 'Person')).toBeUndefined();
      await client.query('BEGIN');
      await client.query(`INSERT INTO people VALUES ('1', 'Sara')`);
      await store.setWithClient(client, 'mahak', 'Person', 2n ** 53n + 1n);
      // Not visible outside the transaction until COMMIT.
      expect(await store.get('mahak', 'Person')).toBeUndefined();
      expect(await store.getWithClient(client, 'mahak', 'Person')).toBe(9007199254740993n);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await store.get('mahak', 'Person')).toBe(9007199254740993n);
    const { rows } = await pool.query(`SELECT "cursor" FROM relaykit_checkpoints`);
    expect(rows).toEqual([{ cursor: 'b:9007199254740993' }]);
    await store.close();
    await pool.end(); // the store never ends a pool it was given
  });
});
