import {
  inCallerTransaction,
  openSqlStore,
  quoteTableName,
  type PgQueryable,
  type SqlStoreConnection,
} from '../checkpoint/sql-client.js';
import { RelaykitError } from '../errors/index.js';
import { applyMigrations, migrateOnce, type Migration } from '../sql/migrate.js';
import type { SqlClient } from '../sql/types.js';
import { deadLetterRecordset } from './dead-letter-rows.js';
import type { DeadLetter, DeadLetterSink } from './types.js';

/** Options of {@link PostgresDeadLetterSink}: where (`db`, `pool` or `postgresUrl`), which table, which namespace. */
export interface PostgresDeadLetterSinkOptions extends SqlStoreConnection {
  /** Table name, optionally schema-qualified (default `relaykit_dead_letters`). */
  table?: string;
  /** Keeps tenants or connector instances apart in one table (default `''`). */
  namespace?: string;
}

/** A stored dead letter, as {@link PostgresDeadLetterSink.list} returns it. */
export interface StoredDeadLetter {
  /** Row id, for {@link PostgresDeadLetterSink.remove}. */
  seq: bigint;
  source: string;
  entity: string;
  /** The record's id and version as text (bigints keep every digit). */
  id: string;
  version: string;
  reason: string;
  code: string | undefined;
  /** The source record as JSON (bigints written as decimal strings). */
  raw: unknown;
  at: Date;
}

const quoteTable = (table: string): string => {
  const quoted = quoteTableName(table);
  if (quoted === undefined)
    throw new RelaykitError('CONFIG', `invalid dead-letter table name ${JSON.stringify(table)}`);
  return quoted;
};

/**
 * The migrations of a dead-letter table, for {@link applyMigrations} (scope `dead-letters:<table>`, so each
 * table name migrates on its own):
 * 1. the table and its lookup index (`IF NOT EXISTS`: tables created by older versions are adopted);
 * 2. one row per (namespace, source, entity, record id, version): duplicates that older versions stored
 *    (a tie re-read after a crash) are removed first, keeping the most recent, then a unique index is added.
 */
export function deadLetterMigrations(table = 'relaykit_dead_letters'): Migration[] {
  const t = quoteTable(table);
  const base = table.replace('.', '_');
  return [
    {
      id: '001-create',
      sql: [
        `CREATE TABLE IF NOT EXISTS ${t} (
  seq bigserial PRIMARY KEY,
  namespace text NOT NULL DEFAULT '',
  source text NOT NULL,
  entity text NOT NULL,
  record_id text NOT NULL,
  version text NOT NULL,
  reason text NOT NULL,
  code text,
  raw jsonb,
  at timestamptz NOT NULL DEFAULT now()
)`,
        `CREATE INDEX IF NOT EXISTS "${base}_lookup" ON ${t} (namespace, source, entity, seq)`,
      ],
    },
    {
      id: '002-unique-record',
      sql: [
        `DELETE FROM ${t} AS older USING ${t} AS newer
WHERE older.namespace = newer.namespace AND older.source = newer.source AND older.entity = newer.entity
  AND older.record_id = newer.record_id AND older.version = newer.version AND older.seq < newer.seq`,
        `CREATE UNIQUE INDEX IF NOT EXISTS "${base}_record" ON ${t} (namespace, source, entity, record_id, version)`,
      ],
    },
  ];
}

/**
 * A {@link DeadLetterSink} in a PostgreSQL table (`relaykit_dead_letters`, created on first use by
 * {@link applyMigrations}), so records that failed validation survive restarts and can be listed, fixed at the
 * source and removed. Runs on a pg pool, a connection string, or any {@link SqlClient} — PGlite included.
 *
 * **One row per record version.** A dead letter is keyed by (namespace, source, entity, record id, version):
 * writing it again — a tie re-read after a crash, a re-run over the same versions — does not add a row but
 * updates `reason`, `code`, `raw` and `at` in place (the latest failure wins; the row keeps its `seq`, so
 * its place in {@link list}). A new version of the record that fails again is a new row.
 *
 * @example
 * ```ts
 * const deadLetter = new PostgresDeadLetterSink({ pool, namespace: 'mahak' }); // or { db: await pgliteSqlClient() }
 * await runIncrementalSync({ ..., deadLetter });
 * for (const letter of await deadLetter.list({ source: 'mahak:42', entity: 'Person' })) console.log(letter.id, letter.reason);
 * ```
 */
export class PostgresDeadLetterSink<Raw = unknown> implements DeadLetterSink<Raw> {
  private readonly db: SqlClient;
  private readonly ownsDb: boolean;
  private readonly name: string;
  private readonly table: string;
  private readonly namespace: string;

  constructor(options: PostgresDeadLetterSinkOptions) {
    this.name = options.table ?? 'relaykit_dead_letters';
    this.table = quoteTable(this.name);
    this.namespace = options.namespace ?? '';
    const opened = openSqlStore(options, 2);
    if (!opened) throw new RelaykitError('CONFIG', 'PostgresDeadLetterSink needs a db, a pool or a postgresUrl');
    this.db = opened.db;
    this.ownsDb = opened.owned;
    this.migrate = migrateOnce(this.db, {
      scope: `dead-letters:${this.name}`,
      migrations: deadLetterMigrations(this.name),
    });
  }

  /** Applies the table's migrations once (idempotent, safe from many processes; a failure is retried on the next call). */
  readonly migrate: () => Promise<void>;

  async write(entries: Array<DeadLetter<Raw>>): Promise<void> {
    if (entries.length === 0) return;
    await this.migrate();
    const { text, params } = this.insert(entries);
    await this.db.query(text, params);
  }

  /**
   * Writes dead letters with your client, so they commit or roll back with your transaction (e.g. together
   * with the batch and its checkpoint). The table must exist: {@link migrate} runs through your client when
   * the store's own database cannot be used meanwhile (PGlite, one connection).
   */
  async writeWithClient(client: PgQueryable, entries: Array<DeadLetter<Raw>>): Promise<void> {
    if (entries.length === 0) return;
    if (this.db.engine === 'pglite' && client !== this.db) {
      await applyMigrations(inCallerTransaction(client, 'pglite'), {
        scope: `dead-letters:${this.name}`,
        migrations: deadLetterMigrations(this.name),
      });
    } else {
      await this.migrate();
    }
    const { text, params } = this.insert(entries);
    await client.query(text, params);
  }

  /** Dead letters, oldest first (default: all sources, at most 100). */
  async list(
    filter: { source?: string; entity?: string; limit?: number; afterSeq?: bigint } = {},
  ): Promise<StoredDeadLetter[]> {
    await this.migrate();
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT seq::text AS seq, source, entity, record_id, version, reason, code, raw, at FROM ${this.table}
       WHERE namespace = $1 AND ($2::text IS NULL OR source = $2) AND ($3::text IS NULL OR entity = $3) AND seq > $4::bigint
       ORDER BY seq LIMIT $5::int`,
      [
        this.namespace,
        filter.source ?? null,
        filter.entity ?? null,
        (filter.afterSeq ?? 0n).toString(),
        filter.limit ?? 100,
      ],
    );
    return rows.map((r) => ({
      seq: BigInt(r.seq as string),
      source: r.source as string,
      entity: r.entity as string,
      id: r.record_id as string,
      version: r.version as string,
      reason: r.reason as string,
      code: (r.code as string | null) ?? undefined,
      raw: r.raw,
      at: new Date(r.at as Date | string),
    }));
  }

  /** Number of dead letters for a source (and entity). */
  async count(filter: { source?: string; entity?: string } = {}): Promise<number> {
    await this.migrate();
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.table} WHERE namespace = $1 AND ($2::text IS NULL OR source = $2) AND ($3::text IS NULL OR entity = $3)`,
      [this.namespace, filter.source ?? null, filter.entity ?? null],
    );
    return rows[0]?.n ?? 0;
  }

  /** Removes handled dead letters by `seq`. */
  async remove(seqs: bigint[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.migrate();
    await this.db.query(`DELETE FROM ${this.table} WHERE namespace = $1 AND seq = ANY($2::bigint[])`, [
      this.namespace,
      `{${seqs.map(String).join(',')}}`,
    ]);
  }

  /** Closes the pool the sink opened from `postgresUrl`; a `db` or `pool` you gave stays open. */
  async close(): Promise<void> {
    if (this.ownsDb) await this.db.close();
  }

  /** One upsert for the whole batch (rows as one {@link deadLetterRecordset} parameter). */
  private insert(entries: Array<DeadLetter<Raw>>): { text: string; params: unknown[] } {
    return {
      text: `INSERT INTO ${this.table} (namespace, source, entity, record_id, version, reason, code, raw, at)
SELECT $1, r.source, r.entity, r.record_id, r.version, r.reason, r.code, r.raw, r.at
FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (source text, entity text, record_id text, version text, reason text, code text, raw jsonb, at timestamptz))
  WITH ORDINALITY AS r(source, entity, record_id, version, reason, code, raw, at, ord)
ORDER BY r.ord
ON CONFLICT (namespace, source, entity, record_id, version) DO UPDATE
SET reason = EXCLUDED.reason, code = EXCLUDED.code, raw = EXCLUDED.raw, at = EXCLUDED.at`,
      params: [this.namespace, deadLetterRecordset(entries)],
    };
  }
}
