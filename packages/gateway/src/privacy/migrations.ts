/**
 * The privacy area's schema (migration versions 30-39): the blind index of the identifiers each job names, erasure
 * requests with their progress, and restrictions of processing. None of them holds an identifier in clear: only
 * keyed HMACs (see {@link BlindIndex}).
 */
export const PRIVACY_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string[] }> = [
  {
    version: 30,
    name: 'privacy: blind index of subjects, erasure requests, restrictions',
    sql: [
      `CREATE TABLE IF NOT EXISTS relaykit_subject_index (
        hmac text NOT NULL,
        job_id text NOT NULL REFERENCES relaykit_jobs(id) ON DELETE CASCADE,
        kind text NOT NULL,
        PRIMARY KEY (hmac, job_id, kind)
      )`,
      `CREATE INDEX IF NOT EXISTS relaykit_subject_index_job ON relaykit_subject_index (job_id)`,
      `CREATE TABLE IF NOT EXISTS relaykit_erasure_requests (
        id text PRIMARY KEY,
        subject jsonb NOT NULL,
        state text NOT NULL,
        cursor text NOT NULL DEFAULT '',
        counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        waiting integer NOT NULL DEFAULT 0,
        api_key_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`,
      `CREATE INDEX IF NOT EXISTS relaykit_erasure_requests_open ON relaykit_erasure_requests (state) WHERE state <> 'done'`,
      `CREATE TABLE IF NOT EXISTS relaykit_restrictions (
        hmac text PRIMARY KEY,
        kind text NOT NULL,
        reason text,
        api_key_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX IF NOT EXISTS relaykit_audit_at ON relaykit_audit (at)`,
    ],
  },
  {
    version: 31,
    name: 'privacy: retention marks of purged payloads',
    sql: [
      `ALTER TABLE relaykit_jobs ADD COLUMN IF NOT EXISTS purged_at timestamptz`,
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_purgeable ON relaykit_jobs (finished_at) WHERE purged_at IS NULL AND finished_at IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS relaykit_idempotency_expires ON relaykit_idempotency (expires_at)`,
    ],
  },
  {
    version: 32,
    name: 'privacy: audited reads (purpose, what was read)',
    sql: [
      `ALTER TABLE relaykit_audit ADD COLUMN IF NOT EXISTS purpose text`,
      `ALTER TABLE relaykit_audit ADD COLUMN IF NOT EXISTS reads jsonb`,
    ],
  },
  {
    version: 33,
    name: 'privacy: key ids rows are sealed with, rotation progress',
    sql: [
      `CREATE TABLE IF NOT EXISTS relaykit_sealing_keys (
        key_id text PRIMARY KEY,
        registered_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`,
      // Rows sealed before this table existed: their key ids, found once.
      `INSERT INTO relaykit_sealing_keys (key_id)
       SELECT DISTINCT split_part(v, '.', 2) FROM (
         SELECT input AS v FROM relaykit_jobs UNION ALL SELECT result FROM relaykit_jobs
         UNION ALL SELECT payload #>> '{}' FROM relaykit_audit WHERE jsonb_typeof(payload) = 'string'
         UNION ALL SELECT result #>> '{}' FROM relaykit_idempotency WHERE jsonb_typeof(result) = 'string') s
       WHERE v LIKE 'enc:rk1.%' ON CONFLICT DO NOTHING`,
      `CREATE TABLE IF NOT EXISTS relaykit_rotation_progress (
        name text PRIMARY KEY,
        target text NOT NULL,
        cursor jsonb,
        rotated bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];
