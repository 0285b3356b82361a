import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** The little SQL surface both engines share, so one schema and one set of migrations serve both. */
export interface SqlClient {
  /** `postgresql` (pg) or `pglite` (embedded). */
  readonly engine: 'postgresql' | 'pglite';
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs several statements in one transaction. */
  transaction<T>(fn: (tx: Pick<SqlClient, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Opens a PostgreSQL pool. */
export function postgresClient(url: string, options: { max?: number } = {}): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 20 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    engine: 'postgresql',
    async query<T>(text: string, params: unknown[] = []) {
      const result = await pool.query(text, params);
      return { rows: result.rows as T[] };
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn({ query: async <T>(text: string, params: unknown[] = []) => ({ rows: (await client.query(text, params)).rows as T[] }) });
        await client.query('COMMIT');
        return out;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Opens an embedded PGlite database (`memory://` or a directory). */
export async function pgliteClient(dataDir = 'memory://'): Promise<SqlClient> {
  const db = await PGlite.create(dataDir);
  return {
    engine: 'pglite',
    async query<T>(text: string, params: unknown[] = []) {
      const result = await db.query<T>(text, params);
      return { rows: result.rows };
    },
    transaction: (fn) => db.transaction((tx) => fn({ query: async <T>(text: string, params: unknown[] = []) => ({ rows: (await tx.query<T>(text, params)).rows }) })),
    close: () => db.close(),
  };
}

/** PostgreSQL when `url` is given, PGlite otherwise. */
export async function openSql(options: { url?: string | undefined; dataDir?: string | undefined }): Promise<SqlClient> {
  return options.url ? postgresClient(options.url) : pgliteClient(options.dataDir);
}
