import { applyMigrations, type Migration } from '../sql/migrate.js';
import type { SqlClient } from '../sql/types.js';
import { CheckpointError } from './errors.js';
import {
  inCallerTransaction,
  openSqlStore,
  quoteTableName,
  type PgQueryable,
  type SqlStoreConnection,
} from './sql-client.js';
import { decodeCursor, encodeCursor, type Checkpoint, type CheckpointStore, type Cursor } from './types.js';

export type { PgQueryable } from './sql-client.js';

/** Options of {@link PostgresCheckpointStore}: where (`db`, `pool` or `postgresUrl`), which table, which namespace. */
export interface PostgresCheckpointStoreOptions extends SqlStoreConnection {
  /** Table name, optionally schema-qualified (default `relaykit_checkpoints`). */
  table?: string;
  /** Keeps several tenants or connector instances apart in one table (default `''`). */
  namespace?: string;
}

function quoteTable(table: string): string {
  const quoted = quoteTableName(table);
  if (quoted === undefined) throw new CheckpointError(`invalid checkpoint table name ${JSON.stringify(table)}`);
  return quoted;
}

/**
 * The migrations of a checkpoint table, for {@link applyMigrations} (scope `checkpoints:<table>`, so
 * each table name migrates on its own). The first is `CREATE TABLE IF NOT EXISTS`, so tables created
 * by older versions are adopted as they are.
 */
export function checkpointMigrations(table = 'relaykit_checkpoints'): Migration[] {
  return [{ id: '001-create', sql: checkpointMigrationSql(table) }];
}

/** The `CREATE TABLE IF NOT EXISTS` of the checkpoint table (the first of {@link checkpointMigrations}). */
export function checkpointMigrationSql(table = 'relaykit_checkpoints'): string {
  const t = quoteTable(table);
  return `CREATE TABLE IF NOT EXISTS ${t} (
  namespace text NOT NULL DEFAULT '',
  source text NOT NULL,
  entity text NOT NULL,
  "cursor" text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, source, entity)
)`;
}

/**
 * The statement that stores one checkpoint (an upsert), for sinks that write their own SQL in their own
 * transaction. The cursor is the tagged encoding of {@link encodeCursor}.
 */
export function checkpointUpsertQuery(
  source: string,
  entity: string,
  cursor: Cursor,
  options: { table?: string; namespace?: string } = {},
): { text: string; values: string[] } {
  const t = quoteTable(options.table ?? 'relaykit_checkpoints');
  return {
    text: `INSERT INTO ${t} (namespace, source, entity, "cursor", updated_at) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (namespace, source, entity) DO UPDATE SET "cursor" = EXCLUDED."cursor", updated_at = EXCLUDED.updated_at`,
    values: [options.namespace ?? '', source, entity, encodeCursor(cursor)],
  };
}

/**
 * A {@link CheckpointStore} in a PostgreSQL table (`relaykit_checkpoints` by default, created on first use by
 * {@link applyMigrations} under an advisory lock). Runs on a pg pool, a connection string, or any
 * {@link SqlClient} — PGlite included. {@link setWithClient} writes a checkpoint with *your* client, so a sink
 * can commit its data and the checkpoint in one transaction.
 *
 * @example
 * ```ts
 * const checkpoints = new PostgresCheckpointStore({ pool });
 * await client.query('BEGIN');
 * await client.query('INSERT INTO people ...');
 * await checkpoints.setWithClient(client, 'mahak', 'Person', 4000000001n);
 * await client.query('COMMIT');
 *
 * // Embedded: the same store on PGlite, data and checkpoint in one transaction.
 * const db = await pgliteSqlClient();
 * const embedded = new PostgresCheckpointStore({ db });
 * await db.transaction((tx) => embedded.setWithClient(tx, 'mahak', 'Person', 4000000001n));
 * ```
 */
export class PostgresCheckpointStore implements CheckpointStore {
  private readonly db: SqlClient;
  private readonly ownsDb: boolean;
  private readonly table: string;
  private readonly quoted: string;
  private readonly namespace: string;
  private migrated: Promise<void> | undefined;
  private ready = false;

  constructor(options: PostgresCheckpointStoreOptions) {
    this.table = options.table ?? 'relaykit_checkpoints';
    this.quoted = quoteTable(this.table);
    this.namespace = options.namespace ?? '';
    const opened = openSqlStore(options, 4);
    if (!opened) throw new CheckpointError('PostgresCheckpointStore needs a db, a pool or a postgresUrl');
    this.db = opened.db;
    this.ownsDb = opened.owned;
  }

  /** Applies the table's migrations once (later calls share the result; a failure is retried on the next call). */
  migrate(): Promise<void> {
    this.migrated ??= this.applyThrough(this.db).then(
      () => {
        this.ready = true;
      },
      (error: unknown) => {
        this.migrated = undefined;
        throw error;
      },
    );
    return this.migrated;
  }

  async get(source: string, entity: string): Promise<Cursor | undefined> {
    await this.migrate();
    return this.read(this.db, source, entity);
  }

  /** Reads a checkpoint with your client (inside your transaction). */
  async getWithClient(client: PgQueryable, source: string, entity: string): Promise<Cursor | undefined> {
    await this.migrateFor(client);
    return this.read(client, source, entity);
  }

  async set(source: string, entity: string, cursor: Cursor): Promise<void> {
    await this.migrate();
    await this.write(this.db, source, entity, cursor);
  }

  /** Writes a checkpoint with your client, so it commits or rolls back with your transaction. */
  async setWithClient(client: PgQueryable, source: string, entity: string, cursor: Cursor): Promise<void> {
    await this.migrateFor(client);
    await this.write(client, source, entity, cursor);
  }

  async delete(source: string, entity: string): Promise<void> {
    await this.migrate();
    await this.query(this.db, `DELETE FROM ${this.quoted} WHERE namespace = $1 AND source = $2 AND entity = $3`, [
      this.namespace,
      source,
      entity,
    ]);
  }

  async list(source?: string): Promise<Checkpoint[]> {
    await this.migrate();
    const { rows } = await this.query(
      this.db,
      `SELECT source, entity, "cursor", updated_at FROM ${this.quoted} WHERE namespace = $1 AND ($2::text IS NULL OR source = $2) ORDER BY source COLLATE "C", entity COLLATE "C"`,
      [this.namespace, source ?? null],
    );
    return (rows as Array<{ source: string; entity: string; cursor: string; updated_at: Date | string }>).map((r) => ({
      source: r.source,
      entity: r.entity,
      cursor: decode(r.cursor, r.source, r.entity),
      updatedAt: new Date(r.updated_at),
    }));
  }

  /** Closes the pool the store opened from `postgresUrl`; a `db` or `pool` you gave stays open. */
  async close(): Promise<void> {
    if (this.ownsDb) await this.db.close();
  }

  /**
   * Migrates before a statement on the caller's client. PGlite has a single connection, so while the
   * caller holds a transaction the store cannot open one of its own: it migrates inside the caller's.
   * That is not remembered (the caller may roll back); call {@link migrate} at start-up to skip it.
   */
  private async migrateFor(client: PgQueryable): Promise<void> {
    if (this.ready) return;
    if (this.db.engine === 'pglite' && client !== this.db)
      await this.applyThrough(inCallerTransaction(client, 'pglite'));
    else await this.migrate();
  }

  private async applyThrough(db: SqlClient): Promise<void> {
    try {
      await applyMigrations(db, { scope: `checkpoints:${this.table}`, migrations: checkpointMigrations(this.table) });
    } catch (cause) {
      throw new CheckpointError(`could not create the checkpoint table ${this.table}`, { cause });
    }
  }

  private async read(client: PgQueryable, source: string, entity: string): Promise<Cursor | undefined> {
    const { rows } = await this.query(
      client,
      `SELECT "cursor" FROM ${this.quoted} WHERE namespace = $1 AND source = $2 AND entity = $3`,
      [this.namespace, source, entity],
    );
    const row = rows[0] as { cursor: string } | undefined;
    return row ? decode(row.cursor, source, entity) : undefined;
  }

  private async write(client: PgQueryable, source: string, entity: string, cursor: Cursor): Promise<void> {
    const q = checkpointUpsertQuery(source, entity, cursor, { table: this.table, namespace: this.namespace });
    await this.query(client, q.text, q.values);
  }

  private async query(client: PgQueryable, text: string, values: unknown[]): Promise<{ rows: unknown[] }> {
    try {
      return await client.query(text, values);
    } catch (cause) {
      throw new CheckpointError(`checkpoint query on ${this.table} failed: ${(cause as Error).message}`, { cause });
    }
  }
}

function decode(encoded: string, source: string, entity: string): Cursor {
  try {
    return decodeCursor(encoded);
  } catch (cause) {
    throw new CheckpointError(`unreadable checkpoint for ${source}/${entity}`, { cause });
  }
}
