import type pg from 'pg';
import { postgresSqlClient } from '../sql/postgres.js';
import type { SqlClient, SqlExecutor } from '../sql/types.js';

/** Anything that runs a parameterised query: a `pg.Pool`, a `pg.PoolClient` inside your transaction, a `pg.Client`, a {@link SqlExecutor}. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Where a SQL-backed store keeps its data: a {@link SqlClient}, a pool, or a connection string. */
export interface SqlStoreConnection {
  /** A {@link SqlClient} you own (PostgreSQL or PGlite; never closed by the store). Wins over `pool` and `postgresUrl`. */
  db?: SqlClient | undefined;
  /** A pool you own (never ended by the store). Wins over `postgresUrl`. */
  pool?: pg.Pool | undefined;
  /** Connection string; the store opens and ends its own small pool. */
  postgresUrl?: string | undefined;
}

/**
 * The store's client and whether the store must close it. Undefined when no connection was given.
 * @internal
 */
export function openSqlStore(options: SqlStoreConnection, max: number): { db: SqlClient; owned: boolean } | undefined {
  if (options.db) return { db: options.db, owned: false };
  if (options.pool) return { db: postgresSqlClient({ pool: options.pool }), owned: false };
  if (options.postgresUrl) return { db: postgresSqlClient({ url: options.postgresUrl, max }), owned: true };
  return undefined;
}

/**
 * A {@link SqlClient} over an executor that is already inside the caller's transaction: `transaction(fn)`
 * runs `fn` right there. Lets a store migrate through the caller's client where it cannot open a
 * transaction of its own (PGlite has one connection: a second transaction would wait forever).
 * @internal
 */
export function inCallerTransaction(client: PgQueryable, engine: SqlClient['engine']): SqlClient {
  const executor: SqlExecutor = {
    async query<T>(text: string, params: unknown[] = []) {
      const result = (await client.query(text, params)) as { rows: T[]; rowCount?: number | null };
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
  };
  return { engine, ...executor, transaction: (fn) => fn(executor), close: async () => undefined };
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `"schema"."table"` from `schema.table` or `table`; undefined when a part is not a plain identifier. @internal */
export function quoteTableName(table: string): string | undefined {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) return undefined;
  return parts.map((p) => `"${p}"`).join('.');
}
