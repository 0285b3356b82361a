import { RelaykitError } from '../errors/index.js';
import type { SqlClient, SqlExecutor } from './types.js';

// Structural view of the PGlite API we use, so sdk-core's types do not require PGlite to be installed.
interface PgliteQueryable {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
}
interface PgliteDatabase extends PgliteQueryable {
  transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const executor = (target: PgliteQueryable): SqlExecutor => ({
  async query<T>(text: string, params: unknown[] = []) {
    const result = await target.query<T>(text, params);
    return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
  },
});

/**
 * An embedded PostgreSQL ({@link https://pglite.dev | PGlite}) as a {@link SqlClient}: in memory by default, or
 * persisted in `dataDir`. `@electric-sql/pglite` is an optional peer dependency: install it to use this.
 *
 * @example
 * ```ts
 * const db = await pgliteSqlClient(); // memory://
 * await db.query('CREATE TABLE t (id int)');
 * ```
 */
export async function pgliteSqlClient(dataDir = 'memory://'): Promise<SqlClient> {
  let PGlite: { create(dataDir: string): Promise<PgliteDatabase> };
  try {
    ({ PGlite } = (await import('@electric-sql/pglite')) as unknown as { PGlite: typeof PGlite });
  } catch (error) {
    throw new RelaykitError(
      'CONFIG',
      'The embedded database needs @electric-sql/pglite: npm install @electric-sql/pglite',
      { cause: error },
    );
  }
  const db = await PGlite.create(dataDir);
  return {
    engine: 'pglite',
    ...executor(db),
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
    close: () => db.close(),
  };
}
