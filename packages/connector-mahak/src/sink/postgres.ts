import { PostgresDeadLetterSink, type SqlClient } from '@relaykit/sdk-core';
import type pg from 'pg';
import type { MahakSchemaOptions } from './migrations.js';
import { createMahakSink, type MahakSink, type MahakSinkOptions, type RawRecord } from './sql-sink.js';

/** Options of {@link createPostgresMahakSink}: {@link MahakSinkOptions} with a pg pool. */
export interface PostgresMahakSinkOptions extends Omit<MahakSinkOptions, 'db'> {
  pool: pg.Pool;
}

/**
 * The sink of one entity on a PostgreSQL pool: {@link createMahakSink} with `db: pool` (COPY into a staging table,
 * then one guarded upsert and the checkpoint, in one transaction).
 */
export function createPostgresMahakSink(options: PostgresMahakSinkOptions): MahakSink {
  const { pool, ...rest } = options;
  return createMahakSink({ ...rest, db: pool });
}

/** Options of {@link createPostgresDeadLetterSink}. */
export interface PostgresDeadLetterSinkOptions extends MahakSchemaOptions {
  pool: pg.Pool;
}

/** The dead-letter table of the Mahak tables: `<schema>.<prefix>dead_letters`. */
const deadLetterTable = (options: MahakSchemaOptions) =>
  `${options.schema ?? 'public'}.${options.tablePrefix ?? 'mahak_'}dead_letters`;

/**
 * sdk-core's `PostgresDeadLetterSink` on the table `<schema>.<prefix>dead_letters` (namespace `mahak`; created on
 * first use): each record that failed validation with the reason naming each bad field, the error code and the raw
 * record. List them with `.list({ source, entity })`, fix them in Mahak, and `.remove()` them.
 */
export function createPostgresDeadLetterSink(
  options: PostgresDeadLetterSinkOptions,
): PostgresDeadLetterSink<RawRecord> {
  return new PostgresDeadLetterSink<RawRecord>({
    pool: options.pool,
    table: deadLetterTable(options),
    namespace: 'mahak',
  });
}

/** Options of {@link createMahakDeadLetterSink}. */
export interface MahakDeadLetterSinkOptions extends MahakSchemaOptions {
  /** The database of the Mahak tables (PostgreSQL or PGlite). */
  db: SqlClient;
}

/**
 * The same dead-letter table on any `SqlClient` (PGlite included): sdk-core's `PostgresDeadLetterSink` on
 * `<schema>.<prefix>dead_letters`, namespace `mahak` — {@link createPostgresDeadLetterSink} with a `SqlClient`.
 */
export function createMahakDeadLetterSink(options: MahakDeadLetterSinkOptions): PostgresDeadLetterSink<RawRecord> {
  return new PostgresDeadLetterSink<RawRecord>({ db: options.db, table: deadLetterTable(options), namespace: 'mahak' });
}
