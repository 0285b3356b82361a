/** What a statement returns: its rows and how many rows it touched. */
export interface SqlResult<T> {
  rows: T[];
  /** Rows inserted, updated or deleted (or returned, for a SELECT). */
  rowCount: number;
}

/** Runs one statement with `$1`-style parameters. A pool, a transaction and a PGlite database all are one. */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<SqlResult<T>>;
}

/**
 * The small SQL surface that PostgreSQL (pg) and embedded PGlite share, so one schema, one set of migrations and
 * one sink serve a production database and a bare machine alike.
 *
 * @example
 * ```ts
 * const db = process.env.DATABASE_URL ? postgresSqlClient({ url: process.env.DATABASE_URL }) : await pgliteSqlClient();
 * await db.transaction(async (tx) => {
 *   await tx.query('INSERT INTO orders (id) VALUES ($1)', ['o-1']);
 * });
 * ```
 */
export interface SqlClient extends SqlExecutor {
  /** `postgresql` (a server reached through pg) or `pglite` (embedded, one connection). */
  readonly engine: 'postgresql' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Closes what the client opened (a pool it created, the PGlite database); a borrowed pool is left open. */
  close(): Promise<void>;
}
