import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from './migrate.js';
import { pgliteSqlClient } from './pglite.js';
import { isPostgresSqlClient, postgresSqlClient } from './postgres.js';
import type { SqlClient } from './types.js';

const servers = sharedServers();

const MIGRATIONS = [
  { id: '001-items', sql: 'CREATE TABLE items (id text PRIMARY KEY, n bigint NOT NULL)' },
  { id: '002-items-note', sql: ['ALTER TABLE items ADD COLUMN note text', "UPDATE items SET note = 'migrated'"] },
];

// The same behaviour on both engines: that is the point of the port.
const engines: Array<[string, () => Promise<SqlClient | undefined>]> = [
  ['pglite', () => pgliteSqlClient()],
  [
    'postgresql',
    async () => (servers.postgresUrl ? postgresSqlClient({ url: await servers.freshDatabase(), max: 4 }) : undefined),
  ],
];

describe.each(engines)('SqlClient on %s', (engine, open) => {
  let db: SqlClient | undefined;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('applies each migration once, in order, and records it', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    expect(await applyMigrations(db, { scope: 'test', migrations: MIGRATIONS.slice(0, 1) })).toEqual(['001-items']);
    await db.query('INSERT INTO items (id, n) VALUES ($1, $2)', ['a', '9007199254740993']);
    expect(await applyMigrations(db, { scope: 'test', migrations: MIGRATIONS })).toEqual(['002-items-note']);
    expect(await applyMigrations(db, { scope: 'test', migrations: MIGRATIONS })).toEqual([]);
    const { rows } = await db.query<{ n: string; note: string }>('SELECT n::text AS n, note FROM items');
    expect(rows).toEqual([{ n: '9007199254740993', note: 'migrated' }]);
    // Scopes are independent: the same ids in another scope still run.
    await expect(
      applyMigrations(db, {
        scope: 'other',
        migrations: [{ id: '001-items', sql: 'CREATE TABLE other_items (id int)' }],
      }),
    ).resolves.toEqual(['001-items']);
  });

  it('rolls a failed migration back whole and says which scope failed', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    const broken = [{ id: '001-half', sql: ['CREATE TABLE half (id int)', 'CREATE TABLE half (id int)'] }];
    await expect(applyMigrations(db, { scope: 'broken', migrations: broken })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('broken'),
    });
    const { rows } = await db.query("SELECT to_regclass('half') AS t");
    expect(rows[0]).toEqual({ t: null });
  });

  it('rejects duplicate ids before touching the database', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    await expect(
      applyMigrations(db, { scope: 'dup', migrations: [MIGRATIONS[0]!, MIGRATIONS[0]!] }),
    ).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('commits a transaction that resolves and rolls back one that throws', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    await db.query('CREATE TABLE tx_test (id int PRIMARY KEY)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_test VALUES (1)');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_test VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows, rowCount } = await db.query<{ id: number }>('SELECT id FROM tx_test ORDER BY id');
    expect(rows).toEqual([{ id: 1 }]);
    expect(rowCount).toBe(1);
    const updated = await db.query('UPDATE tx_test SET id = id + 10');
    expect(updated.rowCount).toBe(1);
    expect(isPostgresSqlClient(db)).toBe(engine === 'postgresql');
  });
});

describe.skipIf(!servers.postgresUrl)('applyMigrations from many processes at once', () => {
  it('applies each migration exactly once when eight clients race', async () => {
    const url = await servers.freshDatabase();
    const clients = Array.from({ length: 8 }, () => postgresSqlClient({ url, max: 1 }));
    try {
      const results = await Promise.all(
        clients.map((db) => applyMigrations(db, { scope: 'race', migrations: MIGRATIONS })),
      );
      expect(results.flat().sort()).toEqual(['001-items', '002-items-note']);
    } finally {
      await Promise.all(clients.map((db) => db.close()));
    }
  });
});

describe.skipIf(!servers.postgresUrl)('a PostgreSQL transaction whose connection the server ends', () => {
  it('rejects (the process does not crash) and the pool goes on with a fresh connection', async () => {
    const url = await servers.freshDatabase();
    const db = postgresSqlClient({ url, max: 1 });
    const watcher = postgresSqlClient({ url, max: 1 });
    try {
      const failed = await db
        .transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>(
            `SELECT pg_backend_pid() AS pid, set_config('idle_in_transaction_session_timeout', '100', true)`,
          );
          // Idle inside the transaction until the server has terminated the session.
          await waitFor(
            async () =>
              (
                await watcher.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1', [
                  rows[0]!.pid,
                ])
              ).rows[0]!.n === '0',
            'the server to end the idle transaction',
          );
          await tx.query('SELECT 1');
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failed).toBeInstanceOf(Error);
      expect((await db.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
      await watcher.close();
    }
  });
});
