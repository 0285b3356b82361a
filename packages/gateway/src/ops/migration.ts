/**
 * The operator API's schema (versions 10-14 are reserved for it): indexes for listing and searching jobs, the
 * manual-retry budget, error groups, and dead letters of syncs the gateway runs plus their handling.
 */
export const OPS_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string[] }> = [
  {
    version: 10,
    name: 'operator API: job listing indexes, manual retry budget',
    sql: [
      `ALTER TABLE relaykit_jobs ADD COLUMN IF NOT EXISTS attempt_base integer NOT NULL DEFAULT 0`,
      // Newest first within an environment (the list's order and cursor), with and without a status filter.
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_env_created ON relaykit_jobs (environment, created_at DESC, id DESC)`,
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_env_status_created ON relaykit_jobs (environment, status, created_at DESC, id DESC)`,
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_env_instance_created ON relaykit_jobs (environment, instance, operation, created_at DESC, id DESC)`,
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_idempotency_key ON relaykit_jobs (idempotency_key) WHERE idempotency_key IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_error_code ON relaykit_jobs ((error->>'code')) WHERE error IS NOT NULL`,
    ],
  },
  {
    version: 11,
    name: 'operator API: error groups',
    sql: [
      `CREATE TABLE IF NOT EXISTS relaykit_error_groups (
        environment text NOT NULL,
        fingerprint text NOT NULL,
        instance text NOT NULL,
        operation text NOT NULL,
        code text NOT NULL,
        message text NOT NULL,
        sample_message text NOT NULL,
        count bigint NOT NULL DEFAULT 0,
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now(),
        sample_job_ids text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'open',
        status_by text,
        status_note text,
        status_at timestamptz,
        reopened integer NOT NULL DEFAULT 0,
        PRIMARY KEY (environment, fingerprint)
      )`,
      `CREATE INDEX IF NOT EXISTS relaykit_error_groups_last_seen ON relaykit_error_groups (environment, last_seen DESC, fingerprint DESC)`,
    ],
  },
  {
    version: 12,
    name: 'operator API: dead letters of gateway-run syncs and their handling',
    sql: [
      `CREATE TABLE IF NOT EXISTS relaykit_sync_dead_letters (
        seq bigserial PRIMARY KEY,
        environment text NOT NULL,
        instance text NOT NULL,
        source text NOT NULL,
        entity text NOT NULL,
        record_id text NOT NULL,
        version text NOT NULL,
        reason text NOT NULL,
        code text,
        raw jsonb,
        at timestamptz NOT NULL DEFAULT now(),
        state text NOT NULL DEFAULT 'open',
        handled_by text,
        handled_note text,
        handled_at timestamptz,
        UNIQUE (instance, source, entity, record_id, version)
      )`,
      `CREATE INDEX IF NOT EXISTS relaykit_sync_dead_letters_env ON relaykit_sync_dead_letters (environment, state, at DESC, seq DESC)`,
      // A dead job discarded by an operator keeps its status; the note says who and why.
      `ALTER TABLE relaykit_jobs ADD COLUMN IF NOT EXISTS discarded_at timestamptz`,
      `ALTER TABLE relaykit_jobs ADD COLUMN IF NOT EXISTS discard_note text`,
    ],
  },
];
