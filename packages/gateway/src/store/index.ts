export { type SqlClient, openSql, postgresClient, pgliteClient, DataDirInUseError } from './sql.js';
export { MIGRATIONS, migrate } from './migrations.js';
export { JobStore, type ClaimResult, type Lease } from './job-store.js';
export { AuditLog, AUDIT_REDACTION, type AuditEntry, type AuditLogOptions, type StoredAuditEntry } from './audit.js';
export { plainCodec, encryptingCodec, toJson, type PayloadCodec } from './codec.js';
export type * from './types.js';
export { GroupCommit, type GroupCommitOptions } from './group-commit.js';
export {
  jobTimeseries,
  instanceThroughput,
  TimeseriesCache,
  type StatsBucket,
  type TimeseriesQuery,
  type InstanceThroughput,
} from './stats.js';
export { selectAudit, type AuditFilter, type AuditOutcome } from './audit-query.js';
