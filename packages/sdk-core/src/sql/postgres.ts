import type pg from 'pg';
import { loadPeer } from '../peer/index.js';
import type { SqlClient, SqlExecutor } from './types.js';

/** Options of {@link postgresSqlClient}: a connection string (the client owns its pool) or a pool you own. */
export type PostgresSqlClientOptions = { url: string; max?: number } | { pool: pg.Pool };

/** A {@link SqlClient} on PostgreSQL; `pool` is there for what only pg can do (COPY, LISTEN). */
export interface PostgresSqlClient extends SqlClient {
  readonly engine: 'postgresql';
  readonly pool: pg.Pool;
}

const executor = (target: pg.Pool | pg.PoolClient): SqlExecutor => ({
  async query<T>(text: string, params: unknown[] = []) {
    const result = await target.query(text, params);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
  },
});

/**
 * A {@link SqlClient} over a pg pool.
 *
 * @example
 * ```ts
 * const db = postgresSqlClient({ url: 'postgres://localhost/store' });
 * const { rows } = await db.query<{ n: number }>('SELECT 1 AS n');
 * await db.close();
 * ```
 */
export function postgresSqlClient(options: PostgresSqlClientOptions): PostgresSqlClient {
  const owned = !('pool' in options);
  const pool =
    'pool' in options
      ? options.pool
      : new (loadPeer<typeof pg>('pg', 'The PostgreSQL adapter').Pool)({
          connectionString: options.url,
          max: options.max ?? 10,
        });
  // An idle connection dropping must not crash the process; the next query reconnects or fails on its own.
  if (owned) pool.on('error', () => undefined);
  return {
    engine: 'postgresql',
    pool,
    ...executor(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // The server may end this connection between statements (idle_in_transaction_session_timeout, a restart):
      // pg then emits 'error' on the checked-out client, which would crash the process. The transaction's next
      // statement fails instead, and the broken connection is dropped from the pool.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const out = await fn(executor(client));
        await client.query('COMMIT');
        return out;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        broken ??= error instanceof Error && /Connection terminated|ECONNRESET/.test(error.message) ? error : undefined;
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: async () => {
      if (owned) await pool.end();
    },
  };
}

/** True when `db` is a {@link PostgresSqlClient} (so pg-only fast paths such as COPY are open). */
export function isPostgresSqlClient(db: SqlClient): db is PostgresSqlClient {
  // Duck-typed: checking `instanceof pg.Pool` would load pg for callers that never use PostgreSQL.
  return db.engine === 'postgresql' && 'pool' in db && typeof (db.pool as { connect?: unknown }).connect === 'function';
}
