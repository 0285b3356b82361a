import pg from 'pg';
import { RelaykitError } from '../errors/index.js';
import type { DeadLetter, DeadLetterSink } from './types.js';

/** Options of {@link PostgresDeadLetterSink}. */
export interface PostgresDeadLetterSinkOptions {
  /** A pool you own (never ended by the sink). Wins over `postgresUrl`. */
  pool?: pg.Pool;
  /** Connection string; the sink opens and ends its own small pool. */
  postgresUrl?: string;
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

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quoteTable = (table: string): string => {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) throw new RelaykitError('CONFIG', `invalid dead-letter table name ${JSON.stringify(table)}`);
  return parts.map((p) => `"${p}"`).join('.');
};
const toJson = (value: unknown): string => JSON.stringify(value ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * A {@link DeadLetterSink} in a PostgreSQL table (`relaykit_dead_letters`, created on first use), so records that
 * failed validation survive restarts and can be listed, fixed at the source and removed.
 *
 * @example
 * ```ts
 * const deadLetter = new PostgresDeadLetterSink({ pool, namespace: 'mahak' });
 * await runIncrementalSync({ ..., deadLetter });
 * for (const letter of await deadLetter.list({ source: 'mahak:42', entity: 'Person' })) console.log(letter.id, letter.reason);
 * ```
 */
export class PostgresDeadLetterSink<Raw = unknown> implements DeadLetterSink<Raw> {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly table: string;
  private readonly namespace: string;
  private migrated: Promise<void> | undefined;

  constructor(options: PostgresDeadLetterSinkOptions) {
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else if (options.postgresUrl) {
      this.pool = new pg.Pool({ connectionString: options.postgresUrl, max: 2 });
      this.pool.on('error', () => undefined);
      this.ownsPool = true;
    } else {
      throw new RelaykitError('CONFIG', 'PostgresDeadLetterSink needs a pool or a postgresUrl');
    }
    this.table = quoteTable(options.table ?? 'relaykit_dead_letters');
    this.namespace = options.namespace ?? '';
  }

  /** Creates the table once (idempotent, safe from many processes). */
  migrate(): Promise<void> {
    this.migrated ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`relaykit:migrate:${this.table}`]);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
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
)`);
        await client.query(`CREATE INDEX IF NOT EXISTS ${this.table.replace(/"/g, '').replace('.', '_')}_lookup ON ${this.table} (namespace, source, entity, seq)`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  async write(entries: Array<DeadLetter<Raw>>): Promise<void> {
    if (entries.length === 0) return;
    await this.migrate();
    await this.pool.query(
      `INSERT INTO ${this.table} (namespace, source, entity, record_id, version, reason, code, raw, at)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::timestamptz[])`,
      [
        this.namespace,
        entries.map((e) => e.source),
        entries.map((e) => e.entity),
        entries.map((e) => String(e.id)),
        entries.map((e) => String(e.version)),
        entries.map((e) => e.reason),
        entries.map((e) => e.code ?? null),
        entries.map((e) => toJson(e.raw)),
        entries.map((e) => e.at),
      ],
    );
  }

  /** Dead letters, oldest first (default: all sources, at most 100). */
  async list(filter: { source?: string; entity?: string; limit?: number; afterSeq?: bigint } = {}): Promise<StoredDeadLetter[]> {
    await this.migrate();
    const { rows } = await this.pool.query(
      `SELECT seq::text, source, entity, record_id, version, reason, code, raw, at FROM ${this.table}
       WHERE namespace = $1 AND ($2::text IS NULL OR source = $2) AND ($3::text IS NULL OR entity = $3) AND seq > $4
       ORDER BY seq LIMIT $5`,
      [this.namespace, filter.source ?? null, filter.entity ?? null, (filter.afterSeq ?? 0n).toString(), filter.limit ?? 100],
    );
    return (rows as Array<Record<string, unknown>>).map((r) => ({
      seq: BigInt(r.seq as string),
      source: r.source as string,
      entity: r.entity as string,
      id: r.record_id as string,
      version: r.version as string,
      reason: r.reason as string,
      code: (r.code as string | null) ?? undefined,
      raw: r.raw,
      at: r.at as Date,
    }));
  }

  /** Number of dead letters for a source (and entity). */
  async count(filter: { source?: string; entity?: string } = {}): Promise<number> {
    await this.migrate();
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM ${this.table} WHERE namespace = $1 AND ($2::text IS NULL OR source = $2) AND ($3::text IS NULL OR entity = $3)`, [
      this.namespace,
      filter.source ?? null,
      filter.entity ?? null,
    ]);
    return (rows[0] as { n: number }).n;
  }

  /** Removes handled dead letters by `seq`. */
  async remove(seqs: bigint[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.migrate();
    await this.pool.query(`DELETE FROM ${this.table} WHERE namespace = $1 AND seq = ANY($2::bigint[])`, [this.namespace, seqs.map(String)]);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
