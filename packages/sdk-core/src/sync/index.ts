export type * from './types.js';
export { runIncrementalSync } from './engine.js';
export { SyncError, isSyncError, type SyncErrorCode } from './errors.js';
export { encodeSyncPosition, decodeSyncPosition, isSyncPositionCursor, compareSyncVersions } from './position.js';
export {
  createMemorySyncSink,
  createMemoryDeadLetterSink,
  type MemorySyncSink,
  type MemorySinkRow,
  type MemoryDeadLetterSink,
} from './memory.js';
export { VersionedTable, type VersionedRow, type VersionedTableFetcherOptions } from './table.js';
export {
  PostgresDeadLetterSink,
  deadLetterMigrations,
  type PostgresDeadLetterSinkOptions,
  type StoredDeadLetter,
} from './postgres-dead-letter.js';
export { deadLetterRecordset, type DeadLetterRow } from './dead-letter-rows.js';
