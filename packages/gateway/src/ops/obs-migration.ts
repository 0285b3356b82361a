/**
 * The operator API's schema for audit, keys, instances and statistics (versions 15-19 are reserved for it): last use
 * and rotation of API keys, the actor of audit rows, and the indexes the time series and audit pages read.
 */
export const OBS_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string[] }> = [
  {
    version: 15,
    name: 'api keys: last use and rotation; audit: actor',
    sql: [
      `ALTER TABLE relaykit_api_keys ADD COLUMN IF NOT EXISTS last_used_at timestamptz`,
      // The secret a rotation replaced, accepted until previous_expires_at (the grace period).
      `ALTER TABLE relaykit_api_keys ADD COLUMN IF NOT EXISTS previous_hash text`,
      `ALTER TABLE relaykit_api_keys ADD COLUMN IF NOT EXISTS previous_expires_at timestamptz`,
      `ALTER TABLE relaykit_api_keys ADD COLUMN IF NOT EXISTS rotated_at timestamptz`,
      // Who acted: a console user (\`user:<id>\`) or an API key (\`key:<id>\`).
      `ALTER TABLE relaykit_audit ADD COLUMN IF NOT EXISTS actor text`,
    ],
  },
  {
    version: 16,
    name: 'indexes of the operator API: finished jobs by time, audit by environment',
    sql: [
      // Time series and throughput read finished jobs by finish time; INCLUDE makes them index-only scans.
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_finished ON relaykit_jobs (finished_at) INCLUDE (environment, instance, status, created_at) WHERE finished_at IS NOT NULL`,
      // Retries in flight by the time of their last failure (the open-jobs index leads with status, this with time).
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_retrying ON relaykit_jobs (updated_at) INCLUDE (environment, instance) WHERE status = 'retrying'`,
      // Audit pages: newest first within an environment (keyset on id).
      `CREATE INDEX IF NOT EXISTS relaykit_audit_environment ON relaykit_audit (environment, id)`,
    ],
  },
];
