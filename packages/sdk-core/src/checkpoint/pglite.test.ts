// The PostgreSQL checkpoint store on embedded PGlite (through the SqlClient port): the same behaviour
// suite as on a real server, plus data and checkpoint in one PGlite transaction.
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteSqlClient } from '../sql/pglite.js';
import type { SqlClient } from '../sql/types.js';
import { createCheckpointStore } from './factory.js';
import { PostgresCheckpointStore, checkpointMigrationSql } from './postgres.js';
import { checkpointStoreBehaviour } from '../test-support/checkpoint/store.contract.js';

let shared: Promise<SqlClient> | undefined;
const db = () => (shared ??= pgliteSqlClient());
afterAll(async () => {
  await (await db()).close();
});

describe('PostgresCheckpointStore on PGlite', () => {
  checkpointStoreBehaviour(
    'pglite',
    async () => new PostgresCheckpointStore({ db: await db(), namespace: `t${Math.random().toString(36).slice(2)}` }),
  );

  it('commits and rolls back a checkpoint with the caller transaction, before any other call migrated the table', async () => {
    const pglite = await db();
    const store = new PostgresCheckpointStore({ db: pglite, table: 'cp_tx', namespace: 'tx' });
    expect(createCheckpointStore({ db: pglite })).toBeInstanceOf(PostgresCheckpointStore);
    await pglite.query('CREATE TABLE people (id text PRIMARY KEY)');
    // First use inside a transaction: the store cannot open its own (PGlite has one connection).
    await expect(
      pglite.transaction(async (tx) => {
        await tx.query(`INSERT INTO people VALUES ('1')`);
        await store.setWithClient(tx, 'mahak', 'Person', 2n ** 63n - 1n);
        expect(await store.getWithClient(tx, 'mahak', 'Person')).toBe(2n ** 63n - 1n);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await store.get('mahak', 'Person')).toBeUndefined();
    await pglite.transaction(async (tx) => {
      await tx.query(`INSERT INTO people VALUES ('1')`);
      await store.setWithClient(tx, 'mahak', 'Person', 2n ** 63n - 1n);
    });
    expect(await store.get('mahak', 'Person')).toBe(9223372036854775807n);
    const { rows } = await pglite.query<{ scope: string; id: string }>(
      `SELECT scope, id FROM relaykit_schema_migrations WHERE scope = 'checkpoints:cp_tx'`,
    );
    expect(rows).toEqual([{ scope: 'checkpoints:cp_tx', id: '001-create' }]);
    await store.close();
    expect((await pglite.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]); // a borrowed db stays open
  });

  it('migrates each custom table on its own and adopts a table created by an older version', async () => {
    const pglite = await db();
    await pglite.query('CREATE SCHEMA sync');
    await pglite.query(checkpointMigrationSql('sync.cp_old'));
    await pglite.query(`INSERT INTO sync.cp_old (namespace, source, entity, "cursor") VALUES ('', 's', 'e', 'b:42')`);
    const old = new PostgresCheckpointStore({ db: pglite, table: 'sync.cp_old' });
    const fresh = new PostgresCheckpointStore({ db: pglite, table: 'cp_new' });
    expect(await old.get('s', 'e')).toBe(42n);
    await fresh.set('s', 'e', 'tok');
    expect(await fresh.get('s', 'e')).toBe('tok');
    const { rows } = await pglite.query<{ scope: string }>(
      `SELECT scope FROM relaykit_schema_migrations WHERE scope IN ('checkpoints:cp_new', 'checkpoints:sync.cp_old') ORDER BY scope`,
    );
    expect(rows.map((r) => r.scope)).toEqual(['checkpoints:cp_new', 'checkpoints:sync.cp_old']);
  });
});
