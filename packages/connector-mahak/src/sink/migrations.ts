import { applyMigrations, postgresSqlClient, type SqlClient } from '@relaykit/sdk-core';
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
        const cols = columnsOf(entity).map(
          (c) =>
            `  ${ident(c.column)} ${c.pgType}${c.column === 'mahak_id' ? ' PRIMARY KEY' : c.column === 'row_version' ? ' NOT NULL' : ''}`,
        );
        return [
          `CREATE TABLE IF NOT EXISTS ${t} (\n${cols.join(',\n')},\n  raw jsonb NOT NULL,\n  deleted_at timestamptz,\n  synced_at timestamptz NOT NULL DEFAULT now()\n)`,
          `CREATE INDEX IF NOT EXISTS ${ident(`${stem}_row_version_idx`)} ON ${t} (row_version)`,
          `CREATE INDEX IF NOT EXISTS ${ident(`${stem}_client_id_idx`)} ON ${t} (client_id) WHERE client_id IS NOT NULL AND client_id <> 0`,
        ];
      }),
    ],
  },
];

/** A `pg.Pool` (wrapped) or any sdk-core `SqlClient` (PostgreSQL or PGlite). */
export type MahakDatabase = SqlClient | pg.Pool;

/** The `SqlClient` of a pool or client given where {@link MahakDatabase} is accepted. */
export function asSqlClient(db: MahakDatabase): SqlClient {
  return 'engine' in db ? db : postgresSqlClient({ pool: db });
}

/** The id of a migration in sdk-core's `relaykit_schema_migrations` (`001-entity-tables`). */
export const migrationId = (m: MahakMigration): string =>
  `${String(m.version).padStart(3, '0')}-${m.name.replace(/\W+/g, '-')}`;

/**
 * Applies the migrations not applied yet with sdk-core's `applyMigrations` (in one transaction under an advisory
 * lock, so concurrent workers do not race; recorded in `relaykit_schema_migrations` under the scope
 * `mahak:<schema>.<prefix>`). Works on PostgreSQL and PGlite; safe to call on every start. Returns the versions it
 * applied.
 */
export async function migrateMahakSchema(db: MahakDatabase, options: MahakSchemaOptions = {}): Promise<number[]> {
  const schema = options.schema ?? 'public';
  const applied = await applyMigrations(asSqlClient(db), {
    scope: `mahak:${schema}.${options.tablePrefix ?? 'mahak_'}`,
    migrations: MAHAK_MIGRATIONS.map((m, i) => ({
      id: migrationId(m),
      sql:
        i === 0 && schema !== 'public'
          ? [`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`, ...m.sql(options)]
          : m.sql(options),
    })),
  });
  return MAHAK_MIGRATIONS.filter((m) => applied.includes(migrationId(m))).map((m) => m.version);
}
