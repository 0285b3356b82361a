export type { SqlClient, SqlExecutor, SqlResult } from './types.js';
export {
  postgresSqlClient,
  isPostgresSqlClient,
  type PostgresSqlClient,
  type PostgresSqlClientOptions,
} from './postgres.js';
export { pgliteSqlClient } from './pglite.js';
export { applyMigrations, type ApplyMigrationsOptions, type Migration } from './migrate.js';
export { toJsonb, fromJsonb, JSONB_WRAPPER } from './jsonb.js';
