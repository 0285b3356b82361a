import { plainCodec, type PayloadCodec } from './codec.js';
import type { SqlClient } from './sql.js';
import type { JobAttempt, JobError, JobRecord, JobStatus, NewJob, QueueRef } from './types.js';

interface JobRow {
  id: string; kind: string; environment: string; instance: string; operation: string; status: string;
  input: string; result: string | null; error: JobError | null; attempts: number; max_attempts: number; stalls: number;
  api_key_id: string | null; idempotency_key: string | null; run_after: Date | null; created_at: Date; updated_at: Date;
  started_at: Date | null; finished_at: Date | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The outcome of {@link JobStore.claim}. */
export type ClaimResult =
  | { claimed: true; job: JobRecord; stalled: boolean }
  | { claimed: false; reason: 'missing' | 'finished' | 'held' | 'not_due'; job?: JobRecord };

/**
 * The record of truth for jobs: one row per job, one per attempt. Queues only carry ids; a job is
 * written here before it is acknowledged and before it is enqueued.
 */
export class JobStore {
  constructor(private readonly sql: SqlClient, private readonly codec: PayloadCodec = plainCodec) {}

  /** True when payloads and results are sealed at rest. */
  get encrypted(): boolean {
    return this.codec.encrypted;
  }

  private async toRecord(row: JobRow): Promise<JobRecord> {
    return {
      id: row.id, kind: row.kind as JobRecord['kind'], environment: row.environment, instance: row.instance, operation: row.operation,
      status: row.status as JobStatus, input: await this.codec.decode(row.input, `${row.id}:input`), result: row.result === null ? null : await this.codec.decode(row.result, `${row.id}:result`),
      error: row.error, attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts), stalls: Number(row.stalls),
      apiKeyId: row.api_key_id, idempotencyKey: row.idempotency_key, runAfter: iso(row.run_after), createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!, startedAt: iso(row.started_at), finishedAt: iso(row.finished_at),
    };
  }

  /** Records jobs in one transaction. With a dedupe key, an existing job of the same instance wins: its id comes back with `duplicate: true`. */
  async create(jobs: NewJob[]): Promise<Array<{ id: string; duplicate: boolean }>> {
    const encoded = await Promise.all(jobs.map(async (job) => ({ job, input: await this.codec.encode(job.input, `${job.id}:input`) })));
    // One statement is atomic on its own: a single job needs no transaction round trips.
    const run = <T>(fn: (tx: Pick<SqlClient, 'query'>) => Promise<T>) => (jobs.length === 1 ? fn(this.sql) : this.sql.transaction(fn));
    return run(async (tx) => {
      const out: Array<{ id: string; duplicate: boolean }> = [];
      for (const { job, input } of encoded) {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO relaykit_jobs (id, kind, environment, instance, operation, status, input, max_attempts, api_key_id, idempotency_key, dedupe_key)
           VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id`,
          [job.id, job.kind, job.environment, job.instance, job.operation, input, job.maxAttempts, job.apiKeyId ?? null, job.idempotencyKey ?? null, job.dedupeKey ?? null],
        );
        if (rows[0]) { out.push({ id: rows[0].id, duplicate: false }); continue; }
        const existing = await tx.query<{ id: string }>('SELECT id FROM relaykit_jobs WHERE instance = $1 AND dedupe_key = $2', [job.instance, job.dedupeKey ?? null]);
        out.push({ id: existing.rows[0]?.id ?? job.id, duplicate: true });
      }
      return out;
    });
  }

  /** One job, or undefined. */
  async get(id: string): Promise<JobRecord | undefined> {
    const { rows } = await this.sql.query<JobRow>('SELECT * FROM relaykit_jobs WHERE id = $1', [id]);
    return rows[0] ? this.toRecord(rows[0]) : undefined;
  }

  /** The attempts of a job, oldest first. */
  async attempts(id: string): Promise<JobAttempt[]> {
    const { rows } = await this.sql.query<{ attempt: number; worker: string | null; outcome: JobAttempt['outcome']; error: JobError | null; started_at: Date; finished_at: Date | null }>(
      'SELECT * FROM relaykit_job_attempts WHERE job_id = $1 ORDER BY attempt', [id]);
    return rows.map((r) => ({ attempt: Number(r.attempt), worker: r.worker, outcome: r.outcome, error: r.error, startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at) }));
  }

  /**
   * Takes a job for one attempt: only a queued or retrying job that is due, or an active one whose
   * lease ran out (its worker died — a stall, counted). Atomic, so two workers never both run it.
   */
  async claim(id: string, worker: string, leaseMs: number): Promise<ClaimResult> {
    // One round trip: take the row, mark a dead worker's attempt as stalled, open this attempt.
    const { rows } = await this.sql.query<JobRow & { stalled_count: string }>(
      `WITH claimed AS (
         UPDATE relaykit_jobs SET
           stalls = stalls + CASE WHEN status = 'active' THEN 1 ELSE 0 END,
           attempts = attempts + 1, status = 'active', worker = $2,
           lease_until = now() + ($3 || ' milliseconds')::interval, started_at = coalesce(started_at, now()), updated_at = now()
         WHERE id = $1 AND (
           (status IN ('queued', 'retrying') AND (run_after IS NULL OR run_after <= now() + interval '50 milliseconds'))
           OR (status = 'active' AND lease_until < now()))
         RETURNING *),
       stalled AS (
         UPDATE relaykit_job_attempts SET outcome = 'stalled', finished_at = now(),
           error = '{"code":"STALLED","message":"the worker running this attempt stopped (crashed or was killed) before finishing"}'::jsonb
         WHERE job_id = $1 AND outcome = 'running' AND EXISTS (SELECT 1 FROM claimed) RETURNING attempt),
       opened AS (
         INSERT INTO relaykit_job_attempts (job_id, attempt, worker, outcome, started_at)
         SELECT id, attempts, $2, 'running', now() FROM claimed
         ON CONFLICT (job_id, attempt) DO UPDATE SET worker = excluded.worker, outcome = 'running', started_at = now(), finished_at = NULL, error = NULL
         RETURNING attempt)
       SELECT claimed.*, (SELECT count(*) FROM stalled) AS stalled_count, (SELECT count(*) FROM opened) AS opened_count FROM claimed`,
      [id, worker, String(leaseMs)],
    );
    const row = rows[0];
    if (row) return { claimed: true, job: await this.toRecord(row), stalled: Number(row.stalled_count) > 0 };
    const current = await this.sql.query<JobRow>('SELECT * FROM relaykit_jobs WHERE id = $1', [id]);
    const job = current.rows[0];
    if (!job) return { claimed: false, reason: 'missing' };
    const record = await this.toRecord(job);
    if (['succeeded', 'failed', 'dead'].includes(job.status)) return { claimed: false, reason: 'finished', job: record };
    return { claimed: false, reason: job.status === 'active' ? 'held' : 'not_due', job: record };
  }

  /** Extends a running job's lease so nobody takes it over. */
  async heartbeat(id: string, worker: string, leaseMs: number): Promise<void> {
    await this.sql.query(`UPDATE relaykit_jobs SET lease_until = now() + ($3 || ' milliseconds')::interval WHERE id = $1 AND worker = $2 AND status = 'active'`, [id, worker, String(leaseMs)]);
  }

  /**
   * Records a successful attempt. Only the worker holding the job may: a worker that lost its lease
   * (another took the job over) gets false and its late result is not written over the new run.
   */
  async succeed(id: string, attempt: number, result: unknown, worker?: string): Promise<boolean> {
    const encoded = await this.codec.encode(result, `${id}:result`);
    const { rows } = await this.sql.query(
      `WITH job AS (UPDATE relaykit_jobs SET status = 'succeeded', result = $2, error = NULL, lease_until = NULL, finished_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'active' AND attempts = $3 AND ($4::text IS NULL OR worker = $4) RETURNING id),
       attempt AS (UPDATE relaykit_job_attempts SET outcome = 'succeeded', finished_at = now() WHERE job_id = $1 AND attempt = $3 AND EXISTS (SELECT 1 FROM job) RETURNING attempt)
       SELECT id FROM job`,
      [id, encoded, attempt, worker ?? null]);
    return rows.length > 0;
  }

  /** Records a failed attempt and what happens next: a retry at `runAfter`, or a final status. */
  async fail(id: string, attempt: number, error: JobError, next: { status: 'retrying'; runAfter: Date } | { status: 'failed' | 'dead' }, worker?: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      `WITH job AS (UPDATE relaykit_jobs SET status = $2, error = $3, lease_until = NULL, run_after = $4, updated_at = now(),
           finished_at = CASE WHEN $2 = 'retrying' THEN NULL ELSE now() END
         WHERE id = $1 AND status = 'active' AND attempts = $5 AND ($6::text IS NULL OR worker = $6) RETURNING id),
       attempt AS (UPDATE relaykit_job_attempts SET outcome = 'failed', error = $3, finished_at = now() WHERE job_id = $1 AND attempt = $5 AND EXISTS (SELECT 1 FROM job) RETURNING attempt)
       SELECT id FROM job`,
      [id, next.status, JSON.stringify(error), next.status === 'retrying' ? next.runAfter : null, attempt, worker ?? null]);
    return rows.length > 0;
  }

  /** Ends a job as dead without running it (e.g. past the stall limit). */
  async kill(id: string, error: JobError): Promise<void> {
    await this.sql.query(`UPDATE relaykit_jobs SET status = 'dead', error = $2, lease_until = NULL, finished_at = now(), updated_at = now() WHERE id = $1`, [id, JSON.stringify(error)]);
    await this.sql.query(`UPDATE relaykit_job_attempts SET outcome = 'failed', error = $2, finished_at = now() WHERE job_id = $1 AND outcome = 'running'`, [id, JSON.stringify(error)]);
  }

  /** Hands a running job back at shutdown: due again at once, the attempt not counted as a stall. */
  async handBack(id: string, worker: string, attempt: number): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query(`UPDATE relaykit_jobs SET status = 'retrying', attempts = attempts - 1, lease_until = NULL, run_after = NULL, updated_at = now() WHERE id = $1 AND worker = $2 AND status = 'active'`, [id, worker]);
      await tx.query(`DELETE FROM relaykit_job_attempts WHERE job_id = $1 AND attempt = $2`, [id, attempt]);
    });
  }

  /**
   * Jobs the queue may have lost: queued or retrying and due for longer than `graceMs`, or active
   * with an expired lease.
   */
  async findOpen(graceMs: number, limit = 500): Promise<QueueRef[]> {
    const { rows } = await this.sql.query<{ id: string; instance: string; attempts: number }>(
      `SELECT id, instance, attempts FROM relaykit_jobs
       WHERE (status IN ('queued', 'retrying') AND updated_at < now() - ($1 || ' milliseconds')::interval AND (run_after IS NULL OR run_after < now()))
          OR (status = 'active' AND lease_until < now())
       ORDER BY updated_at LIMIT $2`, [String(graceMs), limit]);
    return rows.map((r) => ({ id: r.id, instance: r.instance, attempts: Number(r.attempts) }));
  }

  /** Jobs per status and instance (for metrics). */
  async countByStatus(): Promise<Array<{ instance: string; status: JobStatus; count: number }>> {
    const { rows } = await this.sql.query<{ instance: string; status: JobStatus; count: string }>('SELECT instance, status, count(*) AS count FROM relaykit_jobs GROUP BY instance, status');
    return rows.map((r) => ({ instance: r.instance, status: r.status, count: Number(r.count) }));
  }
}
