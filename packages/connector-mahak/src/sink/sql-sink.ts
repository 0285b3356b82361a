import { createHash } from 'node:crypto';
import { isPostgresSqlClient, type SyncBatch, type SyncSink } from '@relaykit/sdk-core';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityName } from '../entities/catalogue.js';
import { sourceTextOf } from '../json/source-text.js';
import { columnsOf, type LocalRow } from '../transform/transformer.js';
import type { StatementRunner, TransactionalCheckpointWriter } from './checkpoints.js';
import { arrayLiteral, compileCopyEncoder, copyText, jsonText } from './encode.js';
import { asSqlClient, entityTable, ident, type MahakDatabase, type MahakSchemaOptions } from './migrations.js';

/** A raw Mahak record as received (after lossless parsing). */
export type RawRecord = Record<string, unknown>;

/**
 * How a batch's upserts reach the table: `copy` streams them with `COPY … FROM STDIN` into a session-local staging
 * table, then merges with one `INSERT … SELECT … ON CONFLICT` — and ids the table does not hold yet go straight in
 * with COPY (PostgreSQL through pg only); `unnest` sends one
 * array parameter per column to one `INSERT … SELECT FROM unnest(…) ON CONFLICT` (any `SqlClient`, PGlite
 * included). `auto` (default): `copy` when it can, else `unnest`.
 */
export type MahakSinkStrategy = 'auto' | 'copy' | 'unnest';

/** Options of {@link createMahakSink}. */
export interface MahakSinkOptions extends MahakSchemaOptions {
  /** Where the tables are: an sdk-core `SqlClient` (PostgreSQL or PGlite) or a `pg.Pool`. */
  db: MahakDatabase;
  entity: EntityName;
  /**
   * Checkpoint store on the same database, written inside each batch's transaction: sdk-core's
   * `PostgresCheckpointStore` on `db` (`new PostgresCheckpointStore({ db })`, PGlite included) or on a pool of the
   * same PostgreSQL. Use the same store as the sync's `checkpoints`.
   */
  checkpoints: TransactionalCheckpointWriter;
  strategy?: MahakSinkStrategy;
  /** Test hook: runs inside the transaction after the rows and before the checkpoint; a throw rolls both back. */
  beforeCheckpoint?: (batch: SyncBatch<LocalRow, RawRecord>) => void | Promise<void>;
}

/** The Mahak sink: a `SyncSink` of local rows that stores each record's text as received (see `sourceTextOf`). */
export interface MahakSink extends SyncSink<LocalRow, RawRecord> {
  /** The strategy in use (`auto` resolved). */
  readonly strategy: 'copy' | 'unnest';
  /** The sync keeps each record's JSON text for this sink, which stores it as `raw` (the default for any sink). */
  readonly keepsSourceText: true;
}

type Change =
  | { kind: 'u'; row: LocalRow; version: bigint }
  | { kind: 'd'; id: bigint; version: bigint; raw: RawRecord };

/** Staging tables created per pg connection (created inside a committed transaction, so they exist for its life). */
const staged = new WeakMap<pg.PoolClient, Set<string>>();

/**
 * The SQL sink of one Mahak entity, on PostgreSQL or PGlite. Each batch is one transaction:
 * 1. upserts (see {@link MahakSinkStrategy}) with `ON CONFLICT (mahak_id) DO UPDATE … WHERE excluded.row_version >
 *    <table>.row_version` — a stale replay never overwrites newer data; an upsert clears `deleted_at` (Mahak undeleted it).
 *    With `copy`, rows whose id the table does not hold yet skip the staging table and go straight in with COPY
 *    (nothing to guard; a concurrent insert of the same id makes that COPY fail, and the batch runs again on the guarded path);
 * 2. deletes: `(mahak_id, row_version, raw)` setting `deleted_at` under the same guard (a record deleted before it was
 *    ever seen is kept as a marked row; typed columns stay as last seen);
 * 3. the checkpoint, through `checkpoints.setWithClient` — data and checkpoint commit or roll back together.
 *
 * `raw` is the record's JSON text as received when the client kept it (every digit as Mahak wrote it), else the
 * record serialised.
 */
export function createMahakSink(options: MahakSinkOptions): MahakSink {
  const db = asSqlClient(options.db);
  const wanted = options.strategy ?? 'auto';
  const copyable = isPostgresSqlClient(db);
  if (wanted === 'copy' && !copyable)
    throw new TypeError('the copy strategy needs PostgreSQL through pg (a pg.Pool or postgresSqlClient)');
  const strategy = wanted === 'auto' ? (copyable ? 'copy' : 'unnest') : wanted;
  const table = entityTable(options.entity, options);
  const cols = columnsOf(options.entity);
  const names = cols.map((c) => ident(c.column));
  const updates = [
    ...cols.filter((c) => c.column !== 'mahak_id').map((c) => `${ident(c.column)} = excluded.${ident(c.column)}`),
    'raw = excluded.raw',
    'deleted_at = NULL',
    'synced_at = excluded.synced_at',
  ];
  const onConflict = `ON CONFLICT (mahak_id) DO UPDATE SET ${updates.join(', ')}
WHERE excluded.row_version > t.row_version`;
  const unnestSql = `INSERT INTO ${table} AS t (${names.join(', ')}, raw, deleted_at, synced_at)
SELECT u.*, NULL::timestamptz, now()
FROM ROWS FROM (${cols.map((c, i) => `unnest($${i + 1}::${c.pgType}[])`).join(', ')}, jsonb_array_elements($${cols.length + 1}::jsonb)) AS u
${onConflict}`;
  const deleteSql = `INSERT INTO ${table} AS t (mahak_id, row_version, raw, deleted_at, synced_at)
SELECT u.id, u.rv, u.raw, now(), now() FROM ROWS FROM (unnest($1::bigint[]), unnest($2::bigint[]), jsonb_array_elements($3::jsonb)) AS u(id, rv, raw)
ON CONFLICT (mahak_id) DO UPDATE SET row_version = excluded.row_version, raw = excluded.raw,
  deleted_at = COALESCE(t.deleted_at, excluded.deleted_at), synced_at = excluded.synced_at
WHERE excluded.row_version > t.row_version`;
  // One staging table per target table and connection: temporary (no WAL, private to the session), emptied at commit.
  const stage = ident(`mahak_stage_${createHash('sha256').update(table).digest('hex').slice(0, 16)}`);
  const stageSql = `CREATE TEMP TABLE IF NOT EXISTS ${stage} (${cols.map((c, i) => `${names[i]} ${c.pgType}`).join(', ')}, raw jsonb) ON COMMIT DELETE ROWS`;
  const copySql = `COPY pg_temp.${stage} (${names.join(', ')}, raw) FROM STDIN`;
  const directCopySql = `COPY ${table} (${names.join(', ')}, raw) FROM STDIN`;
  // The range probe (one index descent, evaluated once) answers "none" for a backfill page without a lookup per id.
  const existingSql = `SELECT mahak_id::text AS id FROM ${table} WHERE mahak_id = ANY($1::bigint[])
AND EXISTS (SELECT 1 FROM ${table} WHERE mahak_id BETWEEN $2::bigint AND $3::bigint)`;
  const mergeSql = `INSERT INTO ${table} AS t (${names.join(', ')}, raw, deleted_at, synced_at)
SELECT ${names.join(', ')}, raw, NULL::timestamptz, now() FROM pg_temp.${stage}
${onConflict}`;
  const textColumn = cols.map((c) => c.pgType === 'text');

  const rawText = (row: LocalRow): string => sourceTextOf(row.raw) ?? jsonText(row.raw);

  /** Rows `[from, to)` in the COPY text format: one line per row, tab-separated, `\N` for null. */
  const encodeRow = compileCopyEncoder(cols);
  const copyLines = (rows: LocalRow[], from = 0, to = rows.length): string => {
    // Lines joined once: one flat string for the socket, not a rope of thousands of pieces to flatten.
    const lines: string[] = new Array<string>(to - from);
    for (let r = from; r < to; r++) {
      const row = rows[r]!;
      lines[r - from] = `${encodeRow(row)}\t${copyText(rawText(row))}\n`;
    }
    return lines.join('');
  };

  const split = (batch: SyncBatch<LocalRow, RawRecord>) => {
    // One statement may not touch a row twice: keep the newest change per id.
    const latest = new Map<string, Change>();
    for (const u of batch.upserts)
      keepNewest(latest, String(u.id), { kind: 'u', row: u.data, version: u.data.row_version });
    for (const d of batch.deletes)
      keepNewest(latest, String(d.id), { kind: 'd', id: BigInt(d.id), version: BigInt(d.version), raw: d.raw });
    const upserts: LocalRow[] = [];
    const deletes: Array<Extract<Change, { kind: 'd' }>> = [];
    for (const change of latest.values()) {
      if (change.kind === 'u') upserts.push(change.row);
      else deletes.push(change);
    }
    return { upserts, deletes };
  };

  const writeDeletes = async (tx: StatementRunner, deletes: Array<Extract<Change, { kind: 'd' }>>) => {
    if (deletes.length === 0) return;
    await tx.query(deleteSql, [
      arrayLiteral(
        deletes.map((d) => d.id),
        false,
      ),
      arrayLiteral(
        deletes.map((d) => d.version),
        false,
      ),
      `[${deletes.map((d) => sourceTextOf(d.raw) ?? jsonText(d.raw)).join(',')}]`,
    ]);
  };

  const finish = async (tx: StatementRunner, batch: SyncBatch<LocalRow, RawRecord>) => {
    await options.beforeCheckpoint?.(batch);
    if (batch.checkpoint !== undefined)
      await options.checkpoints.setWithClient(tx, batch.source, batch.entity, batch.checkpoint);
  };

  return {
    strategy,
    keepsSourceText: true,
    persistsCheckpoint: true,
    async write(batch) {
      const { upserts, deletes } = split(batch);
      if (strategy === 'unnest' || !isPostgresSqlClient(db)) {
        // `raw` travels as one JSON array (zipped with the column arrays by ROWS FROM): no per-element array escaping.
        const params =
          upserts.length > 0
            ? [
                ...cols.map((c, i) =>
                  arrayLiteral(
                    upserts.map((r) => r[c.column]),
                    textColumn[i]!,
                  ),
                ),
                `[${upserts.map(rawText).join(',')}]`,
              ]
            : [];
        await db.transaction(async (tx) => {
          if (upserts.length > 0) await tx.query(unnestSql, params);
          await writeDeletes(tx, deletes);
          await finish(tx, batch);
        });
        return;
      }
      const client = await db.pool.connect();
      try {
        // Rows the table does not hold yet (a backfill: all of them) have no RowVersion to guard: they are COPYed
        // straight into the table. Should another writer insert one of them meanwhile, that COPY fails on the
        // primary key: the transaction is rolled back and the batch runs again with every row on the guarded path.
        for (let direct = true; ; direct = false) {
          try {
            await writeCopy(client, upserts, deletes, batch, direct);
            return;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            if (!direct || (error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
          }
        }
      } finally {
        client.release();
      }
    },
  };

  async function writeCopy(
    client: pg.PoolClient,
    upserts: LocalRow[],
    deletes: Array<Extract<Change, { kind: 'd' }>>,
    batch: SyncBatch<LocalRow, RawRecord>,
    direct: boolean,
  ) {
    let created = false;
    await client.query('BEGIN');
    let stale = upserts;
    if (direct && upserts.length > 0) {
      let low = upserts[0]!.mahak_id;
      let high = low;
      for (const r of upserts) {
        if (r.mahak_id < low) low = r.mahak_id;
        else if (r.mahak_id > high) high = r.mahak_id;
      }
      const { rows } = await client.query<{ id: string }>(existingSql, [
        arrayLiteral(
          upserts.map((r) => r.mahak_id),
          false,
        ),
        String(low),
        String(high),
      ]);
      const existing = new Set(rows.map((r) => r.id));
      const fresh = existing.size === 0 ? upserts : upserts.filter((r) => !existing.has(String(r.mahak_id)));
      stale = existing.size === 0 ? [] : upserts.filter((r) => existing.has(String(r.mahak_id)));
      if (fresh.length > 0) await copyInto(client, directCopySql, fresh, copyLines);
    }
    if (stale.length > 0) {
      if (!staged.get(client)?.has(stage)) {
        await client.query(stageSql);
        created = true;
      }
      await copyInto(client, copySql, stale, copyLines);
      await client.query(mergeSql);
    }
    await writeDeletes(client, deletes);
    await finish(client, batch);
    await client.query('COMMIT');
    if (created) {
      let set = staged.get(client);
      if (!set) staged.set(client, (set = new Set()));
      set.add(stage);
    }
  }
}

const UNIQUE_VIOLATION = '23505';

/** Rows encoded per COPY data message: PostgreSQL parses one chunk while the next is encoded. */
const COPY_CHUNK_ROWS = 128;

/**
 * Streams `rows` through `COPY … FROM STDIN`, encoded chunk by chunk as the socket takes them — so PostgreSQL
 * inserts the first rows while the last are still being encoded — and resolves once PostgreSQL has taken them all.
 */
async function copyInto(
  client: pg.PoolClient,
  sql: string,
  rows: LocalRow[],
  encode: (rows: LocalRow[], from: number, to: number) => string,
): Promise<void> {
  const stream = client.query(copyFrom(sql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', () => resolve());
  });
  let failed = false;
  done.catch(() => {
    failed = true;
  });
  for (let from = 0; from < rows.length && !failed; from += COPY_CHUNK_ROWS) {
    const chunk = encode(rows, from, Math.min(rows.length, from + COPY_CHUNK_ROWS));
    if (!stream.write(chunk)) await Promise.race([new Promise((resolve) => stream.once('drain', resolve)), done]);
  }
  stream.end();
  await done;
}

function keepNewest<V extends { version: bigint }>(map: Map<string, V>, key: string, value: V): void {
  const prev = map.get(key);
  if (!prev || value.version >= prev.version) map.set(key, value);
}
