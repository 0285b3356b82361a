import type pg from 'pg';
import { ENTITIES, ENTITY_NAMES, type EntityName } from '../entities/catalogue.js';
import { columnsOf } from '../transform/transformer.js';

/** Where the Mahak tables live. */
export interface MahakSchemaOptions {
  /** PostgreSQL schema (default `public`). */
  schema?: string;
  /** Prefix of every table (default `mahak_`). */
  tablePrefix?: string;
}

/** A quoted identifier. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The quoted, schema-qualified name of a Mahak table (`entity` or `dead_letters`). */
export function tableName(stem: string, options: MahakSchemaOptions = {}): string {
  return `${ident(options.schema ?? 'public')}.${ident(`${options.tablePrefix ?? 'mahak_'}${stem}`)}`;
}

/** The quoted table of an entity. */
export function entityTable(entity: EntityName, options: MahakSchemaOptions = {}): string {
  return tableName(ENTITIES[entity].table, options);
}

/** One versioned migration. */
export interface MahakMigration {
  version: number;
  name: string;
  /** SQL statements, each idempotent on its own (IF NOT EXISTS), so a half-applied migration can run again. */
  sql(options: MahakSchemaOptions): string[];
}

/**
 * The shipped migrations, in order. Each entity gets a table with Mahak's identity (`mahak_id` primary key),
 * `row_version` (bigint: Mahak's RowVersion is a signed int64), the typed columns of the mapping table, `raw`
 * (jsonb: the record as received), `deleted_at` (logical delete) and `synced_at`.
 */
export const MAHAK_MIGRATIONS: readonly MahakMigration[] = [
  {
    version: 1,
    name: 'entity tables',
    sql: (o) => [
      ...ENTITY_NAMES.flatMap((entity) => {
        const t = entityTable(entity, o);
        const stem = `${o.tablePrefix ?? 'mahak_'}${ENTITIES[entity].table}`;
        const cols = columnsOf(entity).map((c) => `  ${ident(c.column)} ${c.pgType}${c.column === 'mahak_id' ? ' PRIMARY KEY' : c.column === 'row_version' ? ' NOT NULL' : ''}`);
        return [
          `CREATE TABLE IF NOT EXISTS ${t} (\n${cols.join(',\n')},\n  raw jsonb NOT NULL,\n  deleted_at timestamptz,\n  synced_at timestamptz NOT NULL DEFAULT now()\n)`,
          `CREATE INDEX IF NOT EXISTS ${ident(`${stem}_row_version_idx`)} ON ${t} (row_version)`,
          `CREATE INDEX IF NOT EXISTS ${ident(`${stem}_client_id_idx`)} ON ${t} (client_id) WHERE client_id IS NOT NULL AND client_id <> 0`,
        ];
      }),
    ],
  },
];

/**
 * Applies the migrations not applied yet, each in its own transaction, under an advisory lock (so concurrent
 * workers do not race), recording them in `<prefix>schema_migrations`. Safe to call on every start.
 * Returns the versions it applied.
 */
export async function migrateMahakSchema(pool: pg.Pool, options: MahakSchemaOptions = {}): Promise<number[]> {
  const applied: number[] = [];
  const log = tableName('schema_migrations', options);
  const client = await pool.connect();
  const lockKey = `relaykit-mahak-migrate:${log}`;
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(options.schema ?? 'public')}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${log} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of MAHAK_MIGRATIONS) {
      await client.query('BEGIN');
      try {
        const done = await client.query(`SELECT 1 FROM ${log} WHERE version = $1`, [migration.version]);
        if (done.rowCount === 0) {
          for (const statement of migration.sql(options)) await client.query(statement);
          await client.query(`INSERT INTO ${log} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
          applied.push(migration.version);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    client.release();
  }
  return applied;
}
