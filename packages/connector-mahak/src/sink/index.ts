export { createPostgresMahakSink, createPostgresDeadLetterSink, type PostgresMahakSinkOptions, type PostgresDeadLetterSinkOptions, type RawRecord, type TransactionalCheckpointWriter } from './postgres.js';
export { createMahakMemorySink, type MahakMemorySink, type MahakMemoryRow } from './memory.js';
export { migrateMahakSchema, MAHAK_MIGRATIONS, entityTable, tableName, type MahakMigration, type MahakSchemaOptions } from './migrations.js';
