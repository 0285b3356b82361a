import { PostgresDeadLetterSink, type Cursor, type SyncBatch, type SyncSink } from '@relaykit/sdk-core';
import type pg from 'pg';
import type { EntityName } from '../entities/catalogue.js';
import { columnsOf, type LocalRow } from '../transform/transformer.js';
import { entityTable, ident, type MahakSchemaOptions } from './migrations.js';

/** A raw Mahak record as received (after lossless parsing). */
export type RawRecord = Record<string, unknown>;

/** Writes a checkpoint with the sink's own client (sdk-core's `PostgresCheckpointStore` has it). */
export interface TransactionalCheckpointWriter {
  setWithClient(client: pg.ClientBase, source: string, entity: string, cursor: Cursor): Promise<void>;
}

/** Options of {@link createPostgresMahakSink}. */
export interface PostgresMahakSinkOptions extends MahakSchemaOptions {
  pool: pg.Pool;
  entity: EntityName;
  /**
   * Checkpoint store on the same database: the batch's checkpoint is written with it inside the batch's transaction
   * (use the same store as the sync's `checkpoints`).
   */
  checkpoints: TransactionalCheckpointWriter;
  /** Test hook: runs inside the transaction after the rows and before the checkpoint; a throw rolls both back. */
  beforeCheckpoint?: (batch: SyncBatch<LocalRow, RawRecord>) => void | Promise<void>;
}

/**
 * A PostgreSQL array literal of `values`, built here rather than by pg (which escapes every element): numbers,
 * bigints, decimals, booleans and ISO dates need no quoting; text is quoted and escaped.
 */
export function arrayLiteral(values: readonly unknown[], quoted: boolean): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'bigint' || typeof v === 'number') out += String(v);
    else if (typeof v === 'boolean') out += v ? 't' : 'f';
    else if (v instanceof Date) out += v.toISOString();
    else {
      const text = String(v);
      out += quoted || !/^[-+.0-9eE]+$/.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : text;
    }
  }
  return `${out}}`;
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    // Raw records from the lossless parser hold no bigints; a caller's own may.
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

/**
 * The PostgreSQL sink of one entity. Each batch is one transaction:
 * 1. upserts: `INSERT … SELECT FROM ROWS FROM (unnest(<one array per column>), jsonb_array_elements(<raw>)) ON CONFLICT (mahak_id) DO UPDATE … WHERE
 *    excluded.row_version > <table>.row_version` — a stale replay never overwrites newer data; an upsert clears
 *    `deleted_at` (Mahak undeleted the record);
 * 2. deletes: the same statement on `(mahak_id, row_version, raw)` setting `deleted_at` (a record deleted before it
 *    was ever seen is kept as a marked row; typed columns stay as last seen);
 * 3. the checkpoint, through `checkpoints.setWithClient` — so data and checkpoint commit or roll back together.
 */
export function createPostgresMahakSink(options: PostgresMahakSinkOptions): SyncSink<LocalRow, RawRecord> {
  const table = entityTable(options.entity, options);
  const cols = columnsOf(options.entity);
  const names = cols.map((c) => ident(c.column));
  const updates = [...cols.filter((c) => c.column !== 'mahak_id').map((c) => `${ident(c.column)} = excluded.${ident(c.column)}`),
    'raw = excluded.raw', 'deleted_at = NULL', 'synced_at = excluded.synced_at'];
  const upsertSql = `INSERT INTO ${table} AS t (${names.join(', ')}, raw, deleted_at, synced_at)
SELECT u.*, NULL::timestamptz, now()
FROM ROWS FROM (${cols.map((c, i) => `unnest($${i + 1}::${c.pgType}[])`).join(', ')}, jsonb_array_elements($${cols.length + 1}::jsonb)) AS u
ON CONFLICT (mahak_id) DO UPDATE SET ${updates.join(', ')}
WHERE excluded.row_version > t.row_version`;
  const deleteSql = `INSERT INTO ${table} AS t (mahak_id, row_version, raw, deleted_at, synced_at)
SELECT u.id, u.rv, u.raw, now(), now() FROM ROWS FROM (unnest($1::bigint[]), unnest($2::bigint[]), jsonb_array_elements($3::jsonb)) AS u(id, rv, raw)
ON CONFLICT (mahak_id) DO UPDATE SET row_version = excluded.row_version, raw = excluded.raw,
  deleted_at = COALESCE(t.deleted_at, excluded.deleted_at), synced_at = excluded.synced_at
WHERE excluded.row_version > t.row_version`;

  return {
    persistsCheckpoint: true,
    async write(batch) {
      // One statement may not touch a row twice: keep the newest change per id.
      const latest = new Map<string, { kind: 'u'; row: LocalRow; version: bigint } | { kind: 'd'; id: bigint; version: bigint; raw: RawRecord }>();
      for (const u of batch.upserts) keepNewest(latest, String(u.id), { kind: 'u', row: u.data, version: u.data.row_version });
      for (const d of batch.deletes) keepNewest(latest, String(d.id), { kind: 'd', id: BigInt(d.id), version: BigInt(d.version), raw: d.raw });
      const upserts: LocalRow[] = [];
      const delIds: bigint[] = [];
      const delVersions: bigint[] = [];
      const delRaws: string[] = [];
      for (const change of latest.values()) {
        if (change.kind === 'u') upserts.push(change.row);
        else {
          delIds.push(change.id);
          delVersions.push(change.version);
          delRaws.push(jsonText(change.raw));
        }
      }
      const columns = cols.map((c) => arrayLiteral(upserts.map((r) => r[c.column]), c.pgType === 'text'));
      const raws = upserts.map((r) => jsonText(r.raw));
      const client = await options.pool.connect();
      try {
        await client.query('BEGIN');
        // `raw` travels as one JSON array (zipped with the column arrays by ROWS FROM): no per-element array escaping.
        if (raws.length > 0) await client.query(upsertSql, [...columns, `[${raws.join(',')}]`]);
        if (delIds.length > 0) await client.query(deleteSql, [arrayLiteral(delIds, false), arrayLiteral(delVersions, false), `[${delRaws.join(',')}]`]);
        await options.beforeCheckpoint?.(batch);
        if (batch.checkpoint !== undefined) await options.checkpoints.setWithClient(client, batch.source, batch.entity, batch.checkpoint);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

function keepNewest<V extends { version: bigint }>(map: Map<string, V>, key: string, value: V): void {
  const prev = map.get(key);
  if (!prev || value.version >= prev.version) map.set(key, value);
}

/** Options of {@link createPostgresDeadLetterSink}. */
export interface PostgresDeadLetterSinkOptions extends MahakSchemaOptions {
  pool: pg.Pool;
}

/**
 * sdk-core's `PostgresDeadLetterSink` on the table `<schema>.<prefix>dead_letters` (namespace `mahak`; created on
 * first use): each record that failed validation with the reason naming each bad field, the error code and the raw
 * record. List them with `.list({ source, entity })`, fix them in Mahak, and `.remove()` them.
 */
export function createPostgresDeadLetterSink(options: PostgresDeadLetterSinkOptions): PostgresDeadLetterSink<RawRecord> {
  const table = `${options.schema ?? 'public'}.${options.tablePrefix ?? 'mahak_'}dead_letters`;
  return new PostgresDeadLetterSink<RawRecord>({ pool: options.pool, table, namespace: 'mahak' });
}
