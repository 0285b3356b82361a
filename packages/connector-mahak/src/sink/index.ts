export {
  createMahakSink,
  type MahakSink,
  type MahakSinkOptions,
  type MahakSinkStrategy,
  type RawRecord,
} from './sql-sink.js';
export {
  createPostgresMahakSink,
  createPostgresDeadLetterSink,
  createMahakDeadLetterSink,
  type PostgresMahakSinkOptions,
  type PostgresDeadLetterSinkOptions,
  type MahakDeadLetterSinkOptions,
} from './postgres.js';
export type { StatementRunner, TransactionalCheckpointWriter } from './checkpoints.js';
export { createMahakMemorySink, type MahakMemorySink, type MahakMemoryRow } from './memory.js';
export {
  migrateMahakSchema,
  MAHAK_MIGRATIONS,
  entityTable,
  tableName,
  asSqlClient,
  migrationId,
  type MahakDatabase,
  type MahakMigration,
  type MahakSchemaOptions,
} from './migrations.js';
