import { createHash, randomUUID } from 'node:crypto';
import { plainCodec, type PayloadCodec } from '../store/codec.js';
import type { SqlClient, SqlExecutor } from '@relaykit/sdk-core';
import { newJobId } from '../store/job-id.js';
import {
  dueFireTimes,
  jitterOf,
  nextFireAfter,
  policyOf,
  renderInput,
  type SchedulePolicy,
  type ScheduleTiming,
} from './definition.js';

/** Where a schedule was declared: the configuration file, a connector's `schedules`, or the operator API. */
export type ScheduleSource = 'config' | 'connector' | 'api';

/**
 * What happened to one fire time. `fired`: a job was created; `manual`: "run now"; `skipped_overlap`:
 * the previous job was still queued or running; `missed`: found later than `grace` and not run by the
 * missed-run policy; `expired`: found past the schedule's `deadline`.
 */
export type RunOutcome = 'fired' | 'manual' | 'skipped_overlap' | 'missed' | 'expired';

/** A schedule as written by {@link ScheduleStore.create} and the configuration sync. */
export interface ScheduleSpec {
  id: string;
  source: ScheduleSource;
  name: string;
  instance: string;
  environment: string;
  operation: string;
  input: unknown;
  timing: ScheduleTiming;
  policy: SchedulePolicy;
  description?: string | null;
  paused?: boolean;
}

/** A stored schedule with its cursor and last outcome. */
export interface ScheduleRecord extends Required<Omit<ScheduleSpec, 'description'>> {
  description: string | null;
  /** The next fire time (nominal, before jitter); null when the cron has no more. */
  nextFireAt: string | null;
  /** A fire held back by the `queue` overlap policy until the running job ends. */
  pendingFireAt: string | null;
  lastJobId: string | null;
  lastFireAt: string | null;
  lastOutcome: RunOutcome | null;
  /** Status of the last fire's job. */
  lastJobStatus: string | null;
  /** Start of the last fire's job minus its fire time, in ms (null until it started). */
  lastLagMs: number | null;
  createdAt: string;
  updatedAt: string;
}

/** One run (fire time) of a schedule, with its job's status and the lag from due time to job start. */
export interface ScheduleRun {
  fireAt: string;
  dueAt: string;
  outcome: RunOutcome;
  jobId: string | null;
  jobStatus: string | null;
  recordedAt: string;
  jobStartedAt: string | null;
  /** Job start minus due time, in ms (null until the job started). */
  lagMs: number | null;
  detail: Record<string, unknown> | null;
}

/** A job created by a fire, to enqueue once the transaction committed. */
export interface FiredJob {
  scheduleId: string;
  jobId: string;
  instance: string;
  fireAt: Date;
  /** Job creation minus due time, in ms. */
  lagMs: number;
}

/** What one {@link ScheduleStore.fireDue} pass did. */
export interface FirePass {
  /** Schedules looked at (locked) in this pass. */
  schedules: number;
  jobs: FiredJob[];
  outcomes: Partial<Record<RunOutcome, number>>;
  /** The same per instance (for metrics). */
  byInstance: Record<string, Partial<Record<RunOutcome, number>>>;
}

interface ScheduleRow {
  id: string;
  source: ScheduleSource;
  name: string;
  instance: string;
  environment: string;
  operation: string;
  input: string;
  cron: string | null;
  every_ms: string | number | null;
  time_zone: string;
  policy: SchedulePolicy;
  description: string | null;
  fingerprint: string;
  paused: boolean;
  next_fire_at: Date | null;
  due_at: Date | null;
  pending_fire_at: Date | null;
  last_job_id: string | null;
  last_fire_at: Date | null;
  last_outcome: RunOutcome | null;
  created_at: Date;
  updated_at: Date;
}

const SELECT_VIEW = `SELECT s.*, j.status AS last_job_status, j.started_at AS last_job_started_at
  FROM relaykit_schedules s LEFT JOIN relaykit_jobs j ON j.id = s.last_job_id`;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const OPEN = new Set(['queued', 'active', 'retrying']);
const WAITING = new Set(['queued', 'retrying']);

/** What decides the cursor: a change re-bases it on now; anything else keeps it. */
function fingerprintOf(spec: Pick<ScheduleSpec, 'timing' | 'policy'>): string {
  return createHash('sha256')
    .update(JSON.stringify([spec.timing.cron, spec.timing.every, spec.timing.timeZone, spec.policy.jitter]))
    .digest('hex')
    .slice(0, 16);
}

const timingOf = (row: Pick<ScheduleRow, 'cron' | 'every_ms' | 'time_zone'>): ScheduleTiming => ({
  cron: row.cron,
  every: row.every_ms === null ? null : Number(row.every_ms),
  timeZone: row.time_zone,
});

/** A new id for a schedule made through the API. */
export const newScheduleId = () => `sch_${randomUUID().replace(/-/g, '').slice(0, 20)}`;

/**
 * Schedules and their runs in the gateway's database (PGlite or PostgreSQL). {@link fireDue} is the
 * heart: it claims due schedules (`FOR UPDATE SKIP LOCKED`, so processes share the work), writes one
 * run row per fire time — unique on (schedule, fire time) — and the fire's job in the same
 * transaction, and moves the cursor on. A process that dies mid-pass loses its claim; the next one fires.
 */
export class ScheduleStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly codec: PayloadCodec = plainCodec,
  ) {}

  private async toRecord(
    row: ScheduleRow & { last_job_status?: string | null; last_job_started_at?: Date | null },
  ): Promise<ScheduleRecord> {
    return {
      id: row.id,
      source: row.source,
      name: row.name,
      instance: row.instance,
      environment: row.environment,
      operation: row.operation,
      input: await this.codec.decode(row.input, `${row.id}:schedule-input`),
      timing: timingOf(row),
      policy: policyOf(row.policy),
      description: row.description,
      paused: row.paused,
      nextFireAt: iso(row.next_fire_at),
      pendingFireAt: iso(row.pending_fire_at),
      lastJobId: row.last_job_id,
      lastFireAt: iso(row.last_fire_at),
      lastOutcome: row.last_outcome,
      lastJobStatus: row.last_job_status ?? null,
      lastLagMs:
        row.last_job_started_at && row.last_fire_at
          ? new Date(row.last_job_started_at).getTime() - new Date(row.last_fire_at).getTime()
          : null,
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!,
    };
  }

  private cursorFrom(spec: Pick<ScheduleSpec, 'id' | 'timing' | 'policy'>, after: Date) {
    const next = nextFireAfter(spec.timing, after);
    return { next, due: next ? new Date(next.getTime() + jitterOf(spec.id, next, spec.policy.jitter)) : null };
  }

  private async upsert(db: SqlExecutor, spec: ScheduleSpec, now: Date, rebase: boolean): Promise<void> {
    const { next, due } = this.cursorFrom(spec, now);
    await db.query(
      `INSERT INTO relaykit_schedules (id, source, name, instance, environment, operation, input, cron, every_ms, time_zone, policy, description,
         fingerprint, paused, next_fire_at, due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (id) DO UPDATE SET source = excluded.source, name = excluded.name, instance = excluded.instance,
         environment = excluded.environment, operation = excluded.operation, input = excluded.input, cron = excluded.cron,
         every_ms = excluded.every_ms, time_zone = excluded.time_zone, policy = excluded.policy, description = excluded.description,
         fingerprint = excluded.fingerprint, updated_at = now(),
         next_fire_at = CASE WHEN $17 OR relaykit_schedules.fingerprint <> excluded.fingerprint THEN excluded.next_fire_at ELSE relaykit_schedules.next_fire_at END,
         due_at = CASE WHEN $17 OR relaykit_schedules.fingerprint <> excluded.fingerprint THEN excluded.due_at ELSE relaykit_schedules.due_at END`,
      [
        spec.id,
        spec.source,
        spec.name,
        spec.instance,
        spec.environment,
        spec.operation,
        await this.codec.encode(spec.input ?? {}, `${spec.id}:schedule-input`),
        spec.timing.cron,
        spec.timing.every,
        spec.timing.timeZone,
        JSON.stringify(spec.policy),
        spec.description ?? null,
        fingerprintOf(spec),
        spec.paused ?? false,
        next,
        due,
        rebase,
      ],
    );
  }

  /**
   * Writes the schedules declared in the configuration and by connectors for `instances`, keeping the
   * cursor of those whose timing did not change (a restart neither loses nor repeats a fire), and
   * deletes declared schedules of those instances that are gone. Operator pauses survive.
   */
  async syncDeclared(specs: ScheduleSpec[], instances: string[], now = new Date()): Promise<void> {
    await this.sql.transaction(async (tx) => {
      // Processes starting together write the same rows one after the other.
      await tx.query('SELECT pg_advisory_xact_lock(724205)');
      for (const spec of specs) await this.upsert(tx, spec, now, false);
      await tx.query(
        `DELETE FROM relaykit_schedules WHERE source IN ('config', 'connector') AND instance = ANY($1::text[]) AND NOT (id = ANY($2::text[]))`,
        [instances, specs.map((s) => s.id)],
      );
    });
  }

  /** Creates a schedule; its first fire is the first fire time after `now`. */
  async create(spec: ScheduleSpec, now = new Date()): Promise<ScheduleRecord> {
    await this.upsert(this.sql, spec, now, true);
    return (await this.get(spec.id))!;
  }

  /** Replaces a schedule's definition; a changed timing re-bases the cursor on `now`. */
  async update(spec: ScheduleSpec, now = new Date()): Promise<ScheduleRecord> {
    await this.upsert(this.sql, spec, now, false);
    return (await this.get(spec.id))!;
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const { rows } = await this.sql.query<ScheduleRow>(`${SELECT_VIEW} WHERE s.id = $1`, [id]);
    return rows[0] ? this.toRecord(rows[0]) : undefined;
  }

  async list(filter: { instances?: string[] } = {}): Promise<ScheduleRecord[]> {
    const { rows } = await this.sql.query<ScheduleRow>(
      `${SELECT_VIEW} WHERE ($1::text[] IS NULL OR s.instance = ANY($1::text[])) ORDER BY s.instance, s.name`,
      [filter.instances ?? null],
    );
    return Promise.all(rows.map((r) => this.toRecord(r)));
  }

  async delete(id: string): Promise<boolean> {
    const { rows } = await this.sql.query('DELETE FROM relaykit_schedules WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  /**
   * Pauses or resumes. A resumed schedule fires next at its first fire time after `now`: fires that fell
   * in the pause are not missed runs (nobody wanted them).
   */
  async setPaused(id: string, paused: boolean, now = new Date()): Promise<ScheduleRecord | undefined> {
    const current = await this.get(id);
    if (!current) return undefined;
    if (current.paused === paused) return current;
    const { next, due } = this.cursorFrom(current, now);
    await this.sql.query(
      `UPDATE relaykit_schedules SET paused = $2, updated_at = now(),
         next_fire_at = CASE WHEN $2 THEN next_fire_at ELSE $3 END, due_at = CASE WHEN $2 THEN due_at ELSE $4 END,
         pending_fire_at = CASE WHEN $2 THEN NULL ELSE pending_fire_at END
       WHERE id = $1`,
      [id, paused, next, due],
    );
    return this.get(id);
  }

  /** The newest runs of a schedule first, with their jobs' status and start lag. */
  async runs(id: string, limit = 50): Promise<ScheduleRun[]> {
    const { rows } = await this.sql.query<{
      fire_at: Date;
      due_at: Date;
      outcome: RunOutcome;
      job_id: string | null;
      recorded_at: Date;
      detail: Record<string, unknown> | null;
      status: string | null;
      started_at: Date | null;
    }>(
      `SELECT r.*, j.status, j.started_at FROM relaykit_schedule_runs r LEFT JOIN relaykit_jobs j ON j.id = r.job_id
       WHERE r.schedule_id = $1 ORDER BY r.fire_at DESC LIMIT $2`,
      [id, limit],
    );
    return rows.map((r) => ({
      fireAt: iso(r.fire_at)!,
      dueAt: iso(r.due_at)!,
      outcome: r.outcome,
      jobId: r.job_id,
      jobStatus: r.status,
      recordedAt: iso(r.recorded_at)!,
      jobStartedAt: iso(r.started_at),
      lagMs: r.started_at ? new Date(r.started_at).getTime() - new Date(r.due_at).getTime() : null,
      detail: r.detail,
    }));
  }

  /**
   * Deletes run rows recorded more than `olderThanMs` ago, at most `limit` per call (a one-second cron writes
   * 86,400 a day); returns how many. The jobs themselves are not touched.
   */
  async pruneRuns(olderThanMs: number, limit = 10_000): Promise<number> {
    const { rows } = await this.sql.query(
      `DELETE FROM relaykit_schedule_runs WHERE ctid IN (
         SELECT ctid FROM relaykit_schedule_runs WHERE recorded_at < now() - $1::int * interval '1 millisecond' LIMIT $2)
       RETURNING 1`,
      [Math.round(olderThanMs), limit],
    );
    return rows.length;
  }

  /** "Run now": one job at once, whatever the overlap policy, recorded as a `manual` run. */
  async runNow(id: string, maxAttempts: number): Promise<FiredJob | undefined> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<ScheduleRow & { db_now: Date }>(
        'SELECT *, clock_timestamp() AS db_now FROM relaykit_schedules WHERE id = $1 FOR UPDATE',
        [id],
      );
      const row = rows[0];
      if (!row) return undefined;
      const fireAt = new Date(row.db_now);
      const input = renderInput(await this.codec.decode(row.input, `${row.id}:schedule-input`), fireAt, row.time_zone);
      const job = { scheduleId: row.id, jobId: newJobId(), instance: row.instance, fireAt, lagMs: 0 };
      await this.writeFires(tx, [{ row, fireAt, dueAt: fireAt, outcome: 'manual', job, input, maxAttempts }]);
      await tx.query(
        'UPDATE relaykit_schedules SET last_job_id = $2, last_fire_at = $3, last_outcome = $4, updated_at = now() WHERE id = $1',
        [row.id, job.jobId, fireAt, 'manual'],
      );
      return job;
    });
  }

  private async writeFires(
    tx: SqlExecutor,
    fires: Array<{
      row: ScheduleRow;
      fireAt: Date;
      dueAt: Date;
      outcome: RunOutcome;
      job?: FiredJob;
      input?: unknown;
      /** The input already encoded (passes prepare it before their transaction). */
      encodedInput?: string;
      maxAttempts?: number;
      detail?: Record<string, unknown>;
    }>,
  ): Promise<FiredJob[]> {
    if (!fires.length) return [];
    // The run rows first: a fire time already recorded (it cannot be, under the row lock, but the unique key
    // is what the guarantee rests on) creates no job.
    const { rows } = await tx.query<{ schedule_id: string; fire_at: Date }>(
      `INSERT INTO relaykit_schedule_runs (schedule_id, fire_at, outcome, job_id, due_at, detail)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[])
       ON CONFLICT DO NOTHING RETURNING schedule_id, fire_at`,
      [
        fires.map((f) => f.row.id),
        fires.map((f) => f.fireAt),
        fires.map((f) => f.outcome),
        fires.map((f) => f.job?.jobId ?? null),
        fires.map((f) => f.dueAt),
        fires.map((f) => (f.detail ? JSON.stringify(f.detail) : null)),
      ],
    );
    const written = new Set(rows.map((r) => `${r.schedule_id}@${new Date(r.fire_at).getTime()}`));
    const withJobs = fires.filter((f) => f.job && written.has(`${f.row.id}@${f.fireAt.getTime()}`));
    if (!withJobs.length) return [];
    const inputs = await Promise.all(
      withJobs.map((f) => f.encodedInput ?? this.codec.encode(f.input ?? {}, `${f.job!.jobId}:input`)),
    );
    await tx.query(
      `INSERT INTO relaykit_jobs (id, kind, environment, instance, operation, status, input, max_attempts, dedupe_key)
       SELECT id, 'operation', environment, instance, operation, 'queued', input, max_attempts, dedupe_key
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[])
         AS v(id, environment, instance, operation, input, max_attempts, dedupe_key)
       ON CONFLICT DO NOTHING`,
      [
        withJobs.map((f) => f.job!.jobId),
        withJobs.map((f) => f.row.environment),
        withJobs.map((f) => f.row.instance),
        withJobs.map((f) => f.row.operation),
        inputs,
        withJobs.map((f) => f.maxAttempts ?? 1),
        withJobs.map((f) => `schedule:${f.row.id}:${f.fireAt.toISOString()}`),
      ],
    );
    return withJobs.map((f) => f.job!);
  }

  /**
   * One scheduling pass, in three steps so that no lock is held while the fires are worked out:
   * 1. claim up to `batch` due schedules of `instances` that no other pass holds (one statement; `SKIP LOCKED`, so
   *    processes share the work), for `lockTimeoutMs`;
   * 2. apply their policies to every fire time due by `now` (default: the database's clock, one clock for every
   *    process) and prepare the jobs, with no transaction open;
   * 3. in one short transaction, lock the schedules still claimed by this pass with the cursor it read, record the
   *    runs, create the jobs, move the cursors on and release the claims.
   * A pass that dies or freezes after claiming loses its schedules when the claim runs out; one frozen in step 3 has
   * its idle transaction ended by PostgreSQL after `lockTimeoutMs`. Either way the run rows' unique key keeps each
   * fire time one job. Returns the jobs to enqueue.
   */
  async fireDue(options: {
    instances: string[];
    maxAttempts: (instance: string) => number;
    batch?: number;
    now?: Date;
    /** How long a claim (and an idle write transaction) lasts: the takeover bound for a dead or frozen process. */
    lockTimeoutMs?: number;
  }): Promise<FirePass> {
    const pass: FirePass = { schedules: 0, jobs: [], outcomes: {}, byInstance: {} };
    if (!options.instances.length) return pass;
    const lease = Math.max(100, Math.round(options.lockTimeoutMs ?? 10_000));
    const claim = randomUUID();
    const { rows } = await this.sql.query<ScheduleRow & { last_status: string | null; db_now: Date }>(
      `UPDATE relaykit_schedules s SET claimed_by = $4, claimed_until = clock_timestamp() + $5::int * interval '1 millisecond'
       FROM (SELECT id FROM relaykit_schedules
             WHERE NOT paused AND instance = ANY($1::text[])
               AND (due_at <= coalesce($2::timestamptz, clock_timestamp()) OR pending_fire_at IS NOT NULL)
               AND (claimed_until IS NULL OR claimed_until <= clock_timestamp())
             ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) c
       WHERE s.id = c.id
       RETURNING s.*, (SELECT j.status FROM relaykit_jobs j WHERE j.id = s.last_job_id) AS last_status,
         clock_timestamp() AS db_now`,
      [options.instances, options.now ?? null, options.batch ?? 500, claim, lease],
    );
    pass.schedules = rows.length;
    if (!rows.length) return pass;

    type Fire = Parameters<ScheduleStore['writeFires']>[1][number];
    const planned: Array<{
      row: ScheduleRow;
      fires: Fire[];
      cursor: { next: Date | null; due: Date | null; pending: Date | null };
      last: { jobId: string | null; fireAt: Date | null; outcome: RunOutcome | null } | null;
    }> = [];
    for (const row of rows) {
      const now = options.now ?? new Date(row.db_now);
      const plan = this.plan(row, now);
      const fires: Fire[] = [];
      let last: (typeof planned)[number]['last'] = null;
      if (plan.fires.length) {
        const base = await this.codec.decode(row.input, `${row.id}:schedule-input`);
        last = { jobId: row.last_job_id, fireAt: row.last_fire_at, outcome: row.last_outcome };
        for (const fire of plan.fires) {
          const job =
            fire.outcome === 'fired'
              ? {
                  scheduleId: row.id,
                  jobId: newJobId(),
                  instance: row.instance,
                  fireAt: fire.fireAt,
                  lagMs: Math.max(0, now.getTime() - fire.dueAt.getTime()),
                }
              : undefined;
          const input = job ? renderInput(base, fire.fireAt, row.time_zone) : undefined;
          fires.push({
            row,
            ...fire,
            ...(job
              ? {
                  job,
                  input,
                  encodedInput: await this.codec.encode(input ?? {}, `${job.jobId}:input`),
                  maxAttempts: options.maxAttempts(row.instance),
                }
              : {}),
          });
          if (job) last.jobId = job.jobId;
          last.fireAt = fire.fireAt;
          last.outcome = fire.outcome;
        }
      }
      planned.push({ row, fires, cursor: { next: plan.next, due: plan.due, pending: plan.pending }, last });
    }

    return this.sql.transaction(async (tx) => {
      if (this.sql.engine === 'postgresql')
        await tx.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [String(lease)]);
      // Still ours, and not moved by anyone since the claim (a pause, a resume): only those are written.
      const { rows: held } = await tx.query<{ id: string }>(
        `SELECT s.id FROM relaykit_schedules s
         JOIN unnest($2::text[], $3::timestamptz[]) AS v(id, next) ON v.id = s.id
         WHERE s.claimed_by = $1 AND NOT s.paused AND s.next_fire_at IS NOT DISTINCT FROM v.next
         FOR UPDATE OF s SKIP LOCKED`,
        [claim, planned.map((p) => p.row.id), planned.map((p) => p.row.next_fire_at)],
      );
      const mine = new Set(held.map((h) => h.id));
      const kept = planned.filter((p) => mine.has(p.row.id));
      for (const p of kept)
        for (const fire of p.fires) {
          pass.outcomes[fire.outcome] = (pass.outcomes[fire.outcome] ?? 0) + 1;
          const perInstance = (pass.byInstance[p.row.instance] ??= {});
          perInstance[fire.outcome] = (perInstance[fire.outcome] ?? 0) + 1;
        }
      pass.jobs = await this.writeFires(
        tx,
        kept.flatMap((p) => p.fires),
      );
      if (kept.length)
        await tx.query(
          `UPDATE relaykit_schedules s SET next_fire_at = v.next, due_at = v.due, pending_fire_at = v.pending,
             last_job_id = CASE WHEN v.touched THEN v.last_job_id ELSE s.last_job_id END,
             last_fire_at = CASE WHEN v.touched THEN v.last_fire_at ELSE s.last_fire_at END,
             last_outcome = CASE WHEN v.touched THEN v.last_outcome ELSE s.last_outcome END,
             claimed_by = NULL, claimed_until = NULL, updated_at = now()
           FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::boolean[], $6::text[],
             $7::timestamptz[], $8::text[]) AS v(id, next, due, pending, touched, last_job_id, last_fire_at, last_outcome)
           WHERE s.id = v.id`,
          [
            kept.map((p) => p.row.id),
            kept.map((p) => p.cursor.next),
            kept.map((p) => p.cursor.due),
            kept.map((p) => p.cursor.pending),
            kept.map((p) => p.last !== null),
            kept.map((p) => p.last?.jobId ?? null),
            kept.map((p) => p.last?.fireAt ?? null),
            kept.map((p) => p.last?.outcome ?? null),
          ],
        );
      return pass;
    });
  }

  /** Applies the policies to one locked schedule: which fire times do what, and the new cursor. */
  private plan(
    row: ScheduleRow & { last_status: string | null },
    now: Date,
  ): {
    fires: Array<{ fireAt: Date; dueAt: Date; outcome: RunOutcome; detail?: Record<string, unknown> }>;
    next: Date | null;
    due: Date | null;
    pending: Date | null;
  } {
    const policy = policyOf(row.policy);
    const timing = timingOf(row);
    const fires: Array<{ fireAt: Date; dueAt: Date; outcome: RunOutcome; detail?: Record<string, unknown> }> = [];
    let lastOpen = row.last_status !== null && OPEN.has(row.last_status);
    let lastWaiting = row.last_status !== null && WAITING.has(row.last_status);
    let pending = row.pending_fire_at ? new Date(row.pending_fire_at) : null;
    const dueOf = (fireAt: Date) => new Date(fireAt.getTime() + jitterOf(row.id, fireAt, policy.jitter));
    const fire = (fireAt: Date, dueAt: Date) => {
      fires.push({ fireAt, dueAt, outcome: 'fired' });
      lastOpen = true;
      lastWaiting = true;
    };
    // A fire held by overlap=queue goes as soon as the job before it has ended.
    if (pending && !lastOpen) {
      fire(pending, dueOf(pending));
      pending = null;
    }
    let next = row.next_fire_at ? new Date(row.next_fire_at) : null;
    if (!next || !row.due_at || new Date(row.due_at).getTime() > now.getTime())
      return { fires, next, due: row.due_at ? new Date(row.due_at) : null, pending };

    // Every fire time due by now, oldest first; a long outage is walked only as far as the policy can use.
    const keep = Math.max(policy.catchUpLimit, 1) + 1;
    const walk = dueFireTimes(timing, next, now, keep + 1000);
    const due: Array<{ fireAt: Date; dueAt: Date }> = [];
    for (const t of walk.times) {
      const d = dueOf(t);
      if (d.getTime() > now.getTime()) break;
      due.push({ fireAt: t, dueAt: d });
    }
    next = due.length < walk.times.length ? walk.times[due.length]! : walk.next;
    if (walk.omitted > 0) {
      // Fire times of a long outage that were not even listed: one summary run row for all of them.
      const before = new Date(walk.times[0]!.getTime() - 1);
      fires.push({
        fireAt: before,
        dueAt: before,
        outcome: 'missed',
        detail: { count: walk.omitted, reason: 'outage' },
      });
    }

    const lateness = (d: { dueAt: Date }) => now.getTime() - d.dueAt.getTime();
    const expired = due.filter((d) => policy.deadline > 0 && lateness(d) > policy.deadline);
    const live = due.filter((d) => !(policy.deadline > 0 && lateness(d) > policy.deadline));
    const missed = live.filter((d) => lateness(d) > policy.grace);
    const onTime = live.filter((d) => lateness(d) <= policy.grace);
    const runMissed =
      policy.missed === 'skip' ? [] : policy.missed === 'once' ? missed.slice(-1) : missed.slice(-policy.catchUpLimit);
    const run = new Set([...runMissed, ...onTime]);
    for (const d of due) {
      if (expired.includes(d)) {
        fires.push({ ...d, outcome: 'expired', detail: { lateMs: lateness(d), deadlineMs: policy.deadline } });
        continue;
      }
      if (!run.has(d)) {
        fires.push({ ...d, outcome: 'missed', detail: { lateMs: lateness(d), policy: policy.missed } });
        continue;
      }
      if (policy.overlap === 'allow' || !lastOpen) fire(d.fireAt, d.dueAt);
      else if (policy.overlap === 'queue' && !pending && !lastWaiting) pending = d.fireAt;
      else fires.push({ ...d, outcome: 'skipped_overlap' });
    }
    return { fires, next, due: next ? dueOf(next) : null, pending };
  }
}
