export type * from './types.js';
export { encodeCursor, decodeCursor } from './types.js';
export { CheckpointError, isCheckpointError } from './errors.js';
export { MemoryCheckpointStore } from './memory.js';
export { RedisCheckpointStore, type RedisCheckpointStoreOptions } from './redis.js';
export {
  PostgresCheckpointStore,
  checkpointMigrationSql,
  checkpointMigrations,
  checkpointUpsertQuery,
  type PostgresCheckpointStoreOptions,
  type PgQueryable,
} from './postgres.js';
export type { SqlStoreConnection } from './sql-client.js';
export { createCheckpointStore, type CreateCheckpointStoreOptions } from './factory.js';
export { checkpointToJson, checkpointFromJson, type CheckpointJson } from './json.js';
