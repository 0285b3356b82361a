import { PRIVACY_MIGRATIONS } from '../privacy/migrations.js';
import { OPS_MIGRATIONS } from '../ops/migration.js';
import { OBS_MIGRATIONS } from '../ops/obs-migration.js';
import { USER_MIGRATIONS } from '../users/migration.js';
import { SCHEDULE_CLAIMS_MIGRATION, SCHEDULES_MIGRATION } from '../schedules/migration.js';
import { applyMigrations, idempotencyMigrations } from '@relaykit/sdk-core';
import type { SqlClient } from './sql.js';

const IDEMPOTENCY_TABLE = idempotencyMigrations()[0]!.sql as string;

/** Ordered schema migrations; never edit a released one, add a new one. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string[] }> = [
  {
    version: 1,
    name: 'jobs, attempts, api keys, idempotency, audit',
    sql: [
      `CREATE TABLE IF NOT EXISTS relaykit_jobs (
        id text PRIMARY KEY,
        kind text NOT NULL,
        environment text NOT NULL,
        instance text NOT NULL,
        operation text NOT NULL,
        status text NOT NULL,
        input text NOT NULL,
        result text,
        error jsonb,
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        stalls integer NOT NULL DEFAULT 0,
        api_key_id text,
        idempotency_key text,
        dedupe_key text,
        worker text,
        lease_until timestamptz,
        run_after timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`,
      `CREATE UNIQUE INDEX IF NOT EXISTS relaykit_jobs_dedupe ON relaykit_jobs (instance, dedupe_key) WHERE dedupe_key IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS relaykit_jobs_open ON relaykit_jobs (status, updated_at) WHERE status IN ('queued', 'retrying', 'active')`,
      `CREATE TABLE IF NOT EXISTS relaykit_job_attempts (
        job_id text NOT NULL REFERENCES relaykit_jobs(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        worker text,
        outcome text NOT NULL,
        error jsonb,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        PRIMARY KEY (job_id, attempt)
      )`,
      `CREATE TABLE IF NOT EXISTS relaykit_api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        environment text NOT NULL,
        scopes jsonb NOT NULL,
        hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`,
      // The idempotency table is sdk-core's SqlIdempotencyStore's (its first migration, the same statement).
      IDEMPOTENCY_TABLE,
      `CREATE TABLE IF NOT EXISTS relaykit_audit (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        request_id text NOT NULL,
        api_key_id text,
        environment text,
        method text NOT NULL,
        path text NOT NULL,
        instance text,
        operation text,
        job_id text,
        status integer NOT NULL,
        duration_ms double precision NOT NULL,
        payload jsonb
      )`,
    ],
  },
  {
    version: 2,
    name: 'fencing token of the current claim of a job',
    sql: [`ALTER TABLE relaykit_jobs ADD COLUMN IF NOT EXISTS lease_token text`],
  },
  SCHEDULES_MIGRATION,
  {
    version: 5,
    name: 'trace context of the request that submitted a job',
    sql: [`ALTER TABLE relaykit_jobs ADD COLUMN IF NOT EXISTS trace_context text`],
  },
  ...OPS_MIGRATIONS,
  ...OBS_MIGRATIONS,
  ...USER_MIGRATIONS,
  ...PRIVACY_MIGRATIONS,
  SCHEDULE_CLAIMS_MIGRATION,
];

/** The gateway's scope in sdk-core's migration bookkeeping (`relaykit_schema_migrations`). */
export const GATEWAY_MIGRATION_SCOPE = 'gateway';

/**
 * Brings the schema up to date with sdk-core's runner (one advisory lock per scope, one transaction, bookkeeping in
 * `relaykit_schema_migrations`), in version order. Safe to run from several processes at once. Returns the versions
 * applied now.
 */
export async function migrate(sql: SqlClient): Promise<number[]> {
  await adoptLegacyBookkeeping(sql);
  const applied = await applyMigrations(sql, {
    scope: GATEWAY_MIGRATION_SCOPE,
    migrations: [...MIGRATIONS]
      .sort((a, b) => a.version - b.version)
      .map((m) => ({ id: String(m.version), sql: m.sql })),
  });
  // The Idempotency-Key store's own table (sdk-core's migrations, its own scope) is brought up to date here too, so
  // `relaykit migrate` run by the schema's owner leaves nothing for a role that owns no table to alter on first use.
  await applyMigrations(sql, { scope: 'idempotency:relaykit_idempotency', migrations: idempotencyMigrations() });
  return applied.map(Number);
}

/**
 * Databases migrated before the gateway used sdk-core's runner recorded versions in `relaykit_migrations`: they are
 * moved into `relaykit_schema_migrations` once (under the runner's own lock), so nothing is applied twice.
 */
async function adoptLegacyBookkeeping(sql: SqlClient): Promise<void> {
  const { rows } = await sql.query<{ legacy: string | null }>(
    "SELECT to_regclass('relaykit_migrations')::text AS legacy",
  );
  if (!rows[0]?.legacy) return;
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`relaykit:migrate:${GATEWAY_MIGRATION_SCOPE}`]);
    const still = await tx.query<{ legacy: string | null }>(
      "SELECT to_regclass('relaykit_migrations')::text AS legacy",
    );
    if (!still.rows[0]?.legacy) return;
    await tx.query(
      'CREATE TABLE IF NOT EXISTS relaykit_schema_migrations (scope text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, id))',
    );
    await tx.query(
      `INSERT INTO relaykit_schema_migrations (scope, id, applied_at)
       SELECT $1, version::text, applied_at FROM relaykit_migrations ON CONFLICT DO NOTHING`,
      [GATEWAY_MIGRATION_SCOPE],
    );
    await tx.query('DROP TABLE relaykit_migrations');
  });
}
