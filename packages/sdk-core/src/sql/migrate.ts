import { RelaykitError } from '../errors/index.js';
import type { SqlClient } from './types.js';

/** One schema change: applied once per database, in list order. `id` never changes once shipped. */
export interface Migration {
  id: string;
  /** One or more statements; each runs in the migration's transaction. */
  sql: string | readonly string[];
}

/** Options of {@link applyMigrations}. */
export interface ApplyMigrationsOptions {
  /** Whose migrations these are (`mahak`, `gateway`, ...): ids only need to be unique within a scope. */
  scope: string;
  migrations: readonly Migration[];
  /** Where applied migrations are recorded (default `relaykit_schema_migrations`). */
  table?: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Applies the migrations of `scope` not applied yet, in order, all in one transaction under an advisory lock, so
 * any number of processes may call it at start-up: the first applies, the others wait and find nothing to do.
 * Works on PostgreSQL and PGlite alike. Returns the ids applied by this call.
 *
 * @example
 * ```ts
 * await applyMigrations(db, { scope: 'store', migrations: [{ id: '001-orders', sql: 'CREATE TABLE orders (id text PRIMARY KEY)' }] });
 * ```
 */
export async function applyMigrations(db: SqlClient, options: ApplyMigrationsOptions): Promise<string[]> {
  const table = options.table ?? 'relaykit_schema_migrations';
  if (!IDENT.test(table)) throw new RelaykitError('CONFIG', `invalid migrations table name ${JSON.stringify(table)}`);
  const ids = new Set<string>();
  for (const m of options.migrations) {
    if (ids.has(m.id))
      throw new RelaykitError(
        'CONFIG',
        `migration id ${JSON.stringify(m.id)} appears twice in scope ${JSON.stringify(options.scope)}`,
      );
    ids.add(m.id);
  }
  try {
    return await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`relaykit:migrate:${options.scope}`]);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS "${table}" (scope text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, id))`,
      );
      const { rows } = await tx.query<{ id: string }>(`SELECT id FROM "${table}" WHERE scope = $1`, [options.scope]);
      const done = new Set(rows.map((r) => r.id));
      const applied: string[] = [];
      for (const migration of options.migrations) {
        if (done.has(migration.id)) continue;
        for (const statement of typeof migration.sql === 'string' ? [migration.sql] : migration.sql)
          await tx.query(statement);
        await tx.query(`INSERT INTO "${table}" (scope, id) VALUES ($1, $2)`, [options.scope, migration.id]);
        applied.push(migration.id);
      }
      return applied;
    });
  } catch (error) {
    throw new RelaykitError(
      'MIGRATION_FAILED',
      `could not migrate the ${options.scope} schema: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * For a store that migrates its table on first use: a function that applies the migrations on its first call and
 * then answers at once; a failed attempt is forgotten, so the next call tries again.
 */
export function migrateOnce(db: SqlClient, options: ApplyMigrationsOptions): () => Promise<void> {
  let applied: Promise<void> | undefined;
  return () =>
    (applied ??= applyMigrations(db, options).then(
      () => undefined,
      (error: unknown) => {
        applied = undefined;
        throw error;
      },
    ));
}
