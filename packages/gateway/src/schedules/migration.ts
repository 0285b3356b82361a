/**
 * Schedules and their runs. A run row is unique on (schedule, fire time) and is written in the same
 * transaction as the job it creates: whatever number of processes tick, one fire makes one job.
 */
export const SCHEDULES_MIGRATION = {
  version: 3,
  name: 'schedules and schedule runs',
  sql: [
    `CREATE TABLE IF NOT EXISTS relaykit_schedules (
      id text PRIMARY KEY,
      source text NOT NULL,
      name text NOT NULL,
      instance text NOT NULL,
      environment text NOT NULL,
      operation text NOT NULL,
      input text NOT NULL,
      cron text,
      every_ms bigint,
      time_zone text NOT NULL DEFAULT 'UTC',
      policy jsonb NOT NULL,
      description text,
      fingerprint text NOT NULL,
      paused boolean NOT NULL DEFAULT false,
      next_fire_at timestamptz,
      due_at timestamptz,
      pending_fire_at timestamptz,
      last_job_id text,
      last_fire_at timestamptz,
      last_outcome text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS relaykit_schedules_due ON relaykit_schedules (due_at) WHERE NOT paused`,
    `CREATE TABLE IF NOT EXISTS relaykit_schedule_runs (
      schedule_id text NOT NULL,
      fire_at timestamptz NOT NULL,
      outcome text NOT NULL,
      job_id text,
      due_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      detail jsonb,
      PRIMARY KEY (schedule_id, fire_at)
    )`,
    `CREATE INDEX IF NOT EXISTS relaykit_schedule_runs_job ON relaykit_schedule_runs (job_id) WHERE job_id IS NOT NULL`,
  ],
};

/**
 * Claims: a pass marks the due schedules it takes (`claimed_by`, until `claimed_until`) in one short statement, plans
 * their fires with no lock held, then writes them in a short transaction that checks the claim is still its own. A
 * process that dies or freezes after claiming loses the schedules when the claim runs out.
 */
export const SCHEDULE_CLAIMS_MIGRATION = {
  version: 40,
  name: 'schedule claims',
  sql: [
    'ALTER TABLE relaykit_schedules ADD COLUMN IF NOT EXISTS claimed_by text',
    'ALTER TABLE relaykit_schedules ADD COLUMN IF NOT EXISTS claimed_until timestamptz',
  ],
};
