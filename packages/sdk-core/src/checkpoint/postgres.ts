import pg from 'pg';
import { CheckpointError } from './errors.js';
import { decodeCursor, encodeCursor, type Checkpoint, type CheckpointStore, type Cursor } from './types.js';

/** Anything that runs a parameterised query: a `pg.Pool`, a `pg.PoolClient` inside your transaction, a `pg.Client`. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Options of {@link PostgresCheckpointStore}. */
export interface PostgresCheckpointStoreOptions {
  /** A pool you own (never ended by the store). Wins over `postgresUrl`. */
  pool?: pg.Pool;
  /** Connection string; the store opens and ends its own small pool. */
  postgresUrl?: string;
  /** Table name, optionally schema-qualified (default `relaykit_checkpoints`). */
  table?: string;
  /** Keeps several tenants or connector instances apart in one table (default `''`). */
  namespace?: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) throw new CheckpointError(`invalid checkpoint table name ${JSON.stringify(table)}`);
  return parts.map((p) => `"${p}"`).join('.');
}

/**
 * The idempotent migration of the checkpoint table. Safe to run from many processes at once (it takes a
 * transaction-scoped advisory lock).
 */
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
export function checkpointUpsertQuery(source: string, entity: string, cursor: Cursor, options: { table?: string; namespace?: string } = {}): { text: string; values: string[] } {
  const t = quoteTable(options.table ?? 'relaykit_checkpoints');
  return {
    text: `INSERT INTO ${t} (namespace, source, entity, "cursor", updated_at) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (namespace, source, entity) DO UPDATE SET "cursor" = EXCLUDED."cursor", updated_at = EXCLUDED.updated_at`,
    values: [options.namespace ?? '', source, entity, encodeCursor(cursor)],
  };
}

/**
 * A {@link CheckpointStore} in a PostgreSQL table (`relaykit_checkpoints` by default, created on first use by an
 * idempotent migration). {@link setWithClient} writes a checkpoint with *your* client, so a sink can commit its
 * data and the checkpoint in one transaction.
 *
 * @example
 * ```ts
 * const checkpoints = new PostgresCheckpointStore({ pool });
 * await client.query('BEGIN');
 * await client.query('INSERT INTO people ...');
 * await checkpoints.setWithClient(client, 'mahak', 'Person', 4000000001n);
 * await client.query('COMMIT');
 * ```
 */
export class PostgresCheckpointStore implements CheckpointStore {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly table: string;
  private readonly quoted: string;
  private readonly namespace: string;
  private migrated: Promise<void> | undefined;

  constructor(options: PostgresCheckpointStoreOptions) {
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else if (options.postgresUrl) {
      this.pool = new pg.Pool({ connectionString: options.postgresUrl, max: 4 });
      this.pool.on('error', () => undefined); // an idle client dropping must not crash the process; queries still fail
      this.ownsPool = true;
    } else {
      throw new CheckpointError('PostgresCheckpointStore needs a pool or a postgresUrl');
    }
    this.table = options.table ?? 'relaykit_checkpoints';
    this.quoted = quoteTable(this.table);
    this.namespace = options.namespace ?? '';
  }

  /** Runs the migration once (later calls share the result; a failure is retried on the next call). */
  migrate(): Promise<void> {
    this.migrated ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`relaykit:migrate:${this.table}`]);
        await client.query(checkpointMigrationSql(this.table));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      this.migrated = undefined;
      throw new CheckpointError(`could not create the checkpoint table ${this.table}`, { cause: error });
    });
    return this.migrated;
  }

  async get(source: string, entity: string): Promise<Cursor | undefined> {
    return this.getWithClient(this.pool, source, entity);
  }

  /** Reads a checkpoint with your client (inside your transaction). */
  async getWithClient(client: PgQueryable, source: string, entity: string): Promise<Cursor | undefined> {
    await this.migrate();
    const { rows } = await this.query(client, `SELECT "cursor" FROM ${this.quoted} WHERE namespace = $1 AND source = $2 AND entity = $3`, [this.namespace, source, entity]);
    const row = rows[0] as { cursor: string } | undefined;
    return row ? decode(row.cursor, source, entity) : undefined;
  }

  async set(source: string, entity: string, cursor: Cursor): Promise<void> {
    await this.setWithClient(this.pool, source, entity, cursor);
  }

  /** Writes a checkpoint with your client, so it commits or rolls back with your transaction. */
  async setWithClient(client: PgQueryable, source: string, entity: string, cursor: Cursor): Promise<void> {
    await this.migrate();
    const q = checkpointUpsertQuery(source, entity, cursor, { table: this.table, namespace: this.namespace });
    await this.query(client, q.text, q.values);
  }

  async delete(source: string, entity: string): Promise<void> {
    await this.migrate();
    await this.query(this.pool, `DELETE FROM ${this.quoted} WHERE namespace = $1 AND source = $2 AND entity = $3`, [this.namespace, source, entity]);
  }

  async list(source?: string): Promise<Checkpoint[]> {
    await this.migrate();
    const { rows } = await this.query(
      this.pool,
      `SELECT source, entity, "cursor", updated_at FROM ${this.quoted} WHERE namespace = $1 AND ($2::text IS NULL OR source = $2) ORDER BY source COLLATE "C", entity COLLATE "C"`,
      [this.namespace, source ?? null],
    );
    return (rows as Array<{ source: string; entity: string; cursor: string; updated_at: Date }>).map((r) => ({
      source: r.source,
      entity: r.entity,
      cursor: decode(r.cursor, r.source, r.entity),
      updatedAt: r.updated_at,
    }));
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
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
