import { pgliteSqlClient, type SqlClient } from '@relaykit/sdk-core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from './migrations.js';

let db: SqlClient;
beforeEach(async () => {
  db = await pgliteSqlClient();
});
afterEach(async () => {
  await db.close();
});

const versions = () => [...MIGRATIONS].map((m) => m.version).sort((a, b) => a - b);
const recorded = async () =>
  (
    await db.query<{ id: string }>("SELECT id FROM relaykit_schema_migrations WHERE scope = 'gateway' ORDER BY id::int")
  ).rows.map((r) => Number(r.id));

it("applies every migration once, in version order, in sdk-core's bookkeeping", async () => {
  expect(await migrate(db)).toEqual(versions());
  expect(await recorded()).toEqual(versions());
  expect(await migrate(db)).toEqual([]);
});

it('takes over a database migrated by the old runner (relaykit_migrations): nothing is applied twice', async () => {
  // A database from before: versions 1 and 2 applied and recorded in the old table.
  await db.query(
    'CREATE TABLE relaykit_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
    for (const statement of m.sql) await db.query(statement);
    await db.query('INSERT INTO relaykit_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
  }
  // Data written under the old runner stays as it was.
  await db.query(
    `INSERT INTO relaykit_api_keys (id, name, environment, scopes, hash) VALUES ('k1', 'old', 'development', '["*"]', 'x')`,
  );
  expect(await migrate(db)).toEqual(versions().filter((v) => v > 2));
  expect(await recorded()).toEqual(versions());
  expect(
    (await db.query<{ t: string | null }>("SELECT to_regclass('relaykit_migrations')::text AS t")).rows[0]!.t,
  ).toBeNull();
  expect((await db.query('SELECT id FROM relaykit_api_keys')).rows).toEqual([{ id: 'k1' }]);
});
