import type { Cursor } from '@relaykit/sdk-core';

/** Anything that runs a parameterised statement: a `SqlExecutor` inside a transaction, a `pg.PoolClient`, a pool. */
export interface StatementRunner {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Writes a checkpoint with the caller's transaction, so data and checkpoint commit together: sdk-core's
 * `PostgresCheckpointStore` (on a pool or on any `SqlClient`, PGlite included) is one.
 */
export interface TransactionalCheckpointWriter {
  setWithClient(client: StatementRunner, source: string, entity: string, cursor: Cursor): Promise<void>;
}
