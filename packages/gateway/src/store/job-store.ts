import { randomUUID } from 'node:crypto';
import { GroupCommit } from './group-commit.js';
import { plainCodec, type PayloadCodec } from './codec.js';
import { fromJsonb, toJsonb } from './jsonb.js';
import type { SqlExecutor } from '@relaykit/sdk-core';
import type { SqlClient } from './sql.js';
import type { JobAttempt, JobError, JobRecord, JobStatus, NewJob, QueueRef } from './types.js';

/** A finished job as {@link StoredPayloadMasker} sees it: decoded payloads and what finds their schemas. */
export interface MaskableJob {
  kind: 'operation' | 'webhook';
  instance: string;
  operation: string;
  input: unknown;
  result: unknown;
  error: JobError | null;
}

/**
 * Masks what a finished job stores (the privacy area's `storeMasked` mode): its input, result and error, and a text
 * masker for its attempts' error messages.
 */
export type StoredPayloadMasker = (job: MaskableJob) => {
  input: unknown;
  result: unknown;
  error: JobError | null;
  text: (message: string) => string;
};

interface JobRow {
  id: string;
  kind: string;
  environment: string;
  instance: string;
  operation: string;
  status: string;
  input: string;
  result: string | null;
  error: JobError | null;
  attempts: number;
  attempt_base?: number | null;
  max_attempts: number;
  stalls: number;
  api_key_id: string | null;
  idempotency_key: string | null;
  run_after: Date | null;
  trace_context?: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Who holds a running job: the worker and the fencing token of its claim. */
export interface Lease {
  worker: string;
  token: string;
}

interface ClaimRequest {
  id: string;
  worker: string;
  leaseMs: number;
  token: string;
}
interface SuccessRequest {
  id: string;
  attempt: number;
  result: string;
  worker: string | null;
  token: string | null;
}

/**
 * Runs `write` on items with distinct keys: repeats (the same job twice in one group) go in a later
 * statement, so each sees the effect of the one before — one statement must not update a row twice.
 */
async function distinctBy<T, R>(
  items: T[],
  key: (item: T) => string,
  write: (unique: T[]) => Promise<R[]>,
): Promise<R[]> {
  const seen = new Set<string>();
  const first: number[] = [];
  const rest: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) rest.push(i);
    else {
      seen.add(k);
      first.push(i);
    }
  });
  if (!rest.length) return write(items);
  const out = new Array<R>(items.length);
  const a = await write(first.map((i) => items[i]!));
  first.forEach((i, n) => {
    out[i] = a[n]!;
  });
  const b = await distinctBy(
    rest.map((i) => items[i]!),
    key,
    write,
  );
  rest.forEach((i, n) => {
    out[i] = b[n]!;
  });
  return out;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The outcome of {@link JobStore.claim}. */
export type ClaimResult =
  | { claimed: true; job: JobRecord; stalled: boolean; lease: Lease }
  | { claimed: false; reason: 'missing' | 'finished' | 'held' | 'not_due'; job?: JobRecord };

/**
 * The record of truth for jobs: one row per job, one per attempt. Queues only carry ids; a job is
 * written here before it is acknowledged and before it is enqueued.
 */
export class JobStore {
  private readonly inserts = new GroupCommit((items: Array<{ job: NewJob; input: string }>) => this.insertMany(items), {
    maxItems: 2000,
  });
  private readonly claims = new GroupCommit((items: ClaimRequest[]) => this.claimMany(items), { maxItems: 500 });
  private readonly successes = new GroupCommit((items: SuccessRequest[]) => this.succeedMany(items), { maxItems: 500 });

  /**
   * @param indexer the blind-index entries of a new job's identifiers (the privacy area's), written with the job in
   *   the same statement so no job is ever stored unfindable by its subject.
   */
  constructor(
    private readonly sql: SqlClient,
    private readonly codec: PayloadCodec = plainCodec,
    private readonly indexer?: (job: NewJob) => Array<{ kind: string; hmac: string }>,
    private readonly masker?: StoredPayloadMasker,
  ) {}

  /**
   * Runs a statement that ends jobs (returning their ids). With a masker, in one transaction with the masking of what
   * they store, so no reader ever sees a finished job in clear.
   */
  private async finishing(run: (tx: SqlExecutor) => Promise<string[]>): Promise<string[]> {
    const masker = this.masker;
    if (!masker) return run(this.sql);
    return this.sql.transaction(async (tx) => {
      const ids = await run(tx);
      if (ids.length) await this.mask(tx, ids, masker);
      return ids;
    });
  }

  /**
   * Masks what jobs that ended outside the worker (an operator's cancel) store, under the privacy area's
   * `storeMasked` mode; does nothing without it.
   */
  async maskStored(ids: string[]): Promise<void> {
    const masker = this.masker;
    if (masker && ids.length) await this.sql.transaction((tx) => this.mask(tx, ids, masker));
  }

  private async mask(tx: SqlExecutor, ids: string[], masker: StoredPayloadMasker): Promise<void> {
    const { rows } = await tx.query<JobRow>(
      'SELECT id, kind, instance, operation, input, result, error FROM relaykit_jobs WHERE id = ANY($1::text[])',
      [ids],
    );
    for (const row of rows) {
      const masked = masker({
        kind: row.kind as MaskableJob['kind'],
        instance: row.instance,
        operation: row.operation,
        input: await this.codec.decode(row.input, `${row.id}:input`),
        result: row.result === null ? null : await this.codec.decode(row.result, `${row.id}:result`),
        error: fromJsonb(row.error) as JobError | null,
      });
      await tx.query('UPDATE relaykit_jobs SET input = $2, result = $3, error = $4 WHERE id = $1', [
        row.id,
        await this.codec.encode(masked.input, `${row.id}:input`),
        row.result === null ? null : await this.codec.encode(masked.result, `${row.id}:result`),
        masked.error === null ? null : toJsonb(masked.error),
      ]);
      const { rows: attempts } = await tx.query<{ attempt: number; error: unknown }>(
        'SELECT attempt, error FROM relaykit_job_attempts WHERE job_id = $1 AND error IS NOT NULL',
        [row.id],
      );
      for (const attempt of attempts) {
        const error = fromJsonb(attempt.error) as JobError;
        if (typeof error?.message !== 'string') continue;
        await tx.query('UPDATE relaykit_job_attempts SET error = $3 WHERE job_id = $1 AND attempt = $2', [
          row.id,
          attempt.attempt,
          toJsonb({ ...error, message: masked.text(error.message) }),
        ]);
      }
    }
  }

  /** True when payloads and results are sealed at rest. */
  get encrypted(): boolean {
    return this.codec.encrypted;
  }

  private async toRecord(row: JobRow): Promise<JobRecord> {
    return {
      id: row.id,
      kind: row.kind as JobRecord['kind'],
      environment: row.environment,
      instance: row.instance,
      operation: row.operation,
      status: row.status as JobStatus,
      input: await this.codec.decode(row.input, `${row.id}:input`),
      result: row.result === null ? null : await this.codec.decode(row.result, `${row.id}:result`),
      error: fromJsonb(row.error) as JobError | null,
      attempts: Number(row.attempts),
      attemptBase: Number(row.attempt_base ?? 0),
      maxAttempts: Number(row.max_attempts),
      stalls: Number(row.stalls),
      apiKeyId: row.api_key_id,
      idempotencyKey: row.idempotency_key,
      runAfter: iso(row.run_after),
      traceContext: readTraceContext(row.trace_context),
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!,
      startedAt: iso(row.started_at),
      finishedAt: iso(row.finished_at),
    };
  }

  /**
   * Records jobs; resolves once they are committed. Concurrent calls are written together by one
   * multi-row statement (group commit), and one call's jobs are all written or none. With a dedupe
   * key, an existing job of the same instance wins: its id comes back with `duplicate: true`.
   */
  async create(jobs: NewJob[]): Promise<Array<{ id: string; duplicate: boolean }>> {
    const encoded = await Promise.all(
      jobs.map(async (job) => ({ job, input: await this.codec.encode(job.input, `${job.id}:input`) })),
    );
    return this.inserts.run(encoded);
  }

  private async insertMany(
    items: Array<{ job: NewJob; input: string }>,
  ): Promise<Array<{ id: string; duplicate: boolean }>> {
    const col = <K extends keyof NewJob>(key: K) => items.map(({ job }) => job[key] ?? null);
    const subjects = items.flatMap(({ job }) =>
      (job.subjects ?? this.indexer?.(job) ?? []).map((s) => [job.id, s.kind, s.hmac] as const),
    );
    const insert = `INSERT INTO relaykit_jobs (id, kind, environment, instance, operation, status, input, max_attempts, api_key_id, idempotency_key, dedupe_key, run_after, trace_context)
       SELECT id, kind, environment, instance, operation, 'queued', input, max_attempts, api_key_id, idempotency_key, dedupe_key, run_after, trace_context
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::text[])
         AS v(id, kind, environment, instance, operation, input, max_attempts, api_key_id, idempotency_key, dedupe_key, run_after, trace_context)
       ON CONFLICT DO NOTHING RETURNING id`;
    // unnest keeps the statement text the same whatever the row count; ON CONFLICT DO NOTHING also skips
    // rows of this very statement that share a dedupe key (the first one wins). The subject index rows of the jobs
    // inserted go in the same statement: a job and its index entries are committed together.
    const { rows } = await this.sql.query<{ id: string }>(
      subjects.length
        ? `WITH ins AS (${insert}),
           idx AS (INSERT INTO relaykit_subject_index (job_id, kind, hmac)
             SELECT v.job_id, v.kind, v.hmac FROM unnest($13::text[], $14::text[], $15::text[]) AS v(job_id, kind, hmac)
             WHERE v.job_id IN (SELECT id FROM ins) ON CONFLICT DO NOTHING)
           SELECT id FROM ins`
        : insert,
      [
        col('id'),
        col('kind'),
        col('environment'),
        col('instance'),
        col('operation'),
        items.map((i) => i.input),
        col('maxAttempts'),
        col('apiKeyId'),
        col('idempotencyKey'),
        col('dedupeKey'),
        col('runAfter'),
        items.map(({ job }) => (job.traceContext ? JSON.stringify(job.traceContext) : null)),
        ...(subjects.length ? [subjects.map((s) => s[0]), subjects.map((s) => s[1]), subjects.map((s) => s[2])] : []),
      ],
    );
    const inserted = new Set(rows.map((r) => r.id));
    const missing = items.filter(({ job }) => !inserted.has(job.id));
    const existing = new Map<string, string>();
    if (missing.length) {
      // Rare: a dedupe key seen before, or a retried statement that had in fact committed.
      const found = await this.sql.query<{ id: string; instance: string; dedupe_key: string | null }>(
        `SELECT j.id, j.instance, j.dedupe_key FROM relaykit_jobs j
         WHERE j.id = ANY($1::text[]) OR (j.dedupe_key IS NOT NULL AND (j.instance, j.dedupe_key) IN (SELECT * FROM unnest($2::text[], $3::text[])))`,
        [missing.map((m) => m.job.id), missing.map((m) => m.job.instance), missing.map((m) => m.job.dedupeKey ?? null)],
      );
      for (const row of found.rows) {
        existing.set(`id:${row.id}`, row.id);
        if (row.dedupe_key !== null) existing.set(`dd:${row.instance}:${row.dedupe_key}`, row.id);
      }
    }
    return items.map(({ job }) => {
      if (inserted.has(job.id)) return { id: job.id, duplicate: false };
      const byKey = job.dedupeKey ? existing.get(`dd:${job.instance}:${job.dedupeKey}`) : undefined;
      if (byKey) return { id: byKey, duplicate: byKey !== job.id };
      if (existing.has(`id:${job.id}`)) return { id: job.id, duplicate: false };
      throw new Error(`job ${job.id} was neither inserted nor found`);
    });
  }

  /** One job, or undefined. */
  async get(id: string): Promise<JobRecord | undefined> {
    const { rows } = await this.sql.query<JobRow>('SELECT * FROM relaykit_jobs WHERE id = $1', [id]);
    return rows[0] ? this.toRecord(rows[0]) : undefined;
  }

  /** The attempts of a job, oldest first. */
  async attempts(id: string): Promise<JobAttempt[]> {
    const { rows } = await this.sql.query<{
      attempt: number;
      worker: string | null;
      outcome: JobAttempt['outcome'];
      error: JobError | null;
      started_at: Date;
      finished_at: Date | null;
    }>('SELECT * FROM relaykit_job_attempts WHERE job_id = $1 ORDER BY attempt', [id]);
    return rows.map((r) => ({
      attempt: Number(r.attempt),
      worker: r.worker,
      outcome: r.outcome,
      error: fromJsonb(r.error) as JobError | null,
      startedAt: iso(r.started_at)!,
      finishedAt: iso(r.finished_at),
    }));
  }

  /**
   * Takes a job for one attempt: only a queued or retrying job that is due, or an active one whose
   * lease ran out (its worker died or stalled — counted as a stall). Atomic, so two workers never both
   * hold it. The claim carries a fresh lease token (the fencing token): every later write of this
   * attempt names it, and is refused once another claim has replaced it. Concurrent claims are
   * written together by one statement.
   */
  async claim(id: string, worker: string, leaseMs: number, token: string = randomUUID()): Promise<ClaimResult> {
    const result = await this.claims.one({ id, worker, leaseMs: Math.max(1, Math.round(leaseMs)), token });
    if (result instanceof Error) throw result;
    return result;
  }

  // Never throws once the statement has committed (a retry would find the rows already claimed): a row that cannot be
  // decoded fails its own caller only.
  private async claimMany(items: ClaimRequest[]): Promise<Array<ClaimResult | Error>> {
    return distinctBy(
      items,
      (i) => i.id,
      async (unique) => {
        // One round trip: take the rows, mark a dead holder's attempt as stalled, open this attempt.
        const { rows } = await this.sql.query<JobRow & { was_stalled: boolean }>(
          `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS v(id, worker, lease_ms, token)),
         claimed AS (
           UPDATE relaykit_jobs j SET
             stalls = j.stalls + CASE WHEN j.status = 'active' THEN 1 ELSE 0 END,
             attempts = j.attempts + 1, status = 'active', worker = v.worker, lease_token = v.token,
             lease_until = now() + v.lease_ms * interval '1 millisecond', started_at = coalesce(j.started_at, now()), updated_at = now()
           FROM input v
           WHERE j.id = v.id AND (
             (j.status IN ('queued', 'retrying') AND (j.run_after IS NULL OR j.run_after <= now() + interval '50 milliseconds'))
             OR (j.status = 'active' AND j.lease_until < now()))
           RETURNING j.*),
         stalled AS (
           UPDATE relaykit_job_attempts a SET outcome = 'stalled', finished_at = now(),
             error = '{"code":"STALLED","message":"the worker running this attempt stopped (crashed, was killed or stalled past its lease) before finishing"}'::jsonb
           WHERE a.job_id IN (SELECT id FROM claimed) AND a.outcome = 'running' RETURNING a.job_id),
         opened AS (
           INSERT INTO relaykit_job_attempts (job_id, attempt, worker, outcome, started_at)
           SELECT id, attempts, worker, 'running', now() FROM claimed
           ON CONFLICT (job_id, attempt) DO UPDATE SET worker = excluded.worker, outcome = 'running', started_at = now(), finished_at = NULL, error = NULL
           RETURNING job_id)
         SELECT claimed.*, EXISTS (SELECT 1 FROM stalled s WHERE s.job_id = claimed.id) AS was_stalled FROM claimed`,
          [
            unique.map((i) => i.id),
            unique.map((i) => i.worker),
            unique.map((i) => i.leaseMs),
            unique.map((i) => i.token),
          ],
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        const missing = unique.filter((i) => !byId.has(i.id)).map((i) => i.id);
        let current = new Map<string, JobRow>();
        let lookupFailed: Error | undefined;
        if (missing.length) {
          try {
            current = new Map(
              (
                await this.sql.query<JobRow>('SELECT * FROM relaykit_jobs WHERE id = ANY($1::text[])', [missing])
              ).rows.map((r) => [r.id, r]),
            );
          } catch (error) {
            lookupFailed = error instanceof Error ? error : new Error(String(error));
          }
        }
        return Promise.all(
          unique.map(async (item): Promise<ClaimResult | Error> => {
            if (lookupFailed && !byId.has(item.id)) return lookupFailed;
            try {
              return await this.claimOutcome(item, byId.get(item.id), current.get(item.id));
            } catch (error) {
              return error instanceof Error ? error : new Error(String(error));
            }
          }),
        );
      },
    );
  }

  private async claimOutcome(
    item: ClaimRequest,
    row: (JobRow & { was_stalled: boolean }) | undefined,
    job: JobRow | undefined,
  ): Promise<ClaimResult> {
    if (row)
      return {
        claimed: true,
        job: await this.toRecord(row),
        stalled: Boolean(row.was_stalled),
        lease: { worker: item.worker, token: item.token },
      };
    if (!job) return { claimed: false, reason: 'missing' };
    const record = await this.toRecord(job);
    // A cancelled job is as final as a finished one: its queue message, when it comes, is dropped.
    if (['succeeded', 'failed', 'dead', 'cancelled'].includes(job.status))
      return { claimed: false, reason: 'finished', job: record };
    return { claimed: false, reason: job.status === 'active' ? 'held' : 'not_due', job: record };
  }

  /**
   * Extends a running job's lease. False when the lease is no longer this holder's — another claim
   * replaced it, the job finished, or the lease had already run out (an expired lease is lost even if
   * nobody took the job yet): the holder must stop.
   */
  async heartbeat(id: string, holder: string | Lease, leaseMs: number): Promise<boolean> {
    const { worker, token } = typeof holder === 'string' ? { worker: holder, token: null } : holder;
    const { rows } = await this.sql.query(
      `UPDATE relaykit_jobs SET lease_until = now() + $3::int * interval '1 millisecond'
       WHERE id = $1 AND worker = $2 AND ($4::text IS NULL OR lease_token = $4) AND status = 'active' AND lease_until >= now() RETURNING id`,
      [id, worker, Math.max(1, Math.round(leaseMs)), token],
    );
    return rows.length > 0;
  }

  /**
   * Records a successful attempt. Only the current holder may: with a {@link Lease}, the write names
   * its fencing token; a holder that lost its lease (another claim replaced it) gets false and its late
   * result is not written over the new run. Concurrent calls are written together by one statement.
   */
  async succeed(id: string, attempt: number, result: unknown, holder?: string | Lease): Promise<boolean> {
    const encoded = await this.codec.encode(result, `${id}:result`);
    const { worker, token } =
      typeof holder === 'string' ? { worker: holder, token: null } : (holder ?? { worker: null, token: null });
    return this.successes.one({ id, attempt, result: encoded, worker, token });
  }

  private async succeedMany(items: SuccessRequest[]): Promise<boolean[]> {
    return distinctBy(
      items,
      (i) => i.id,
      async (unique) => {
        const ids = await this.finishing(async (tx) => {
          const { rows } = await tx.query<{ id: string }>(
            `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[]) AS v(id, result, attempt, worker, token)),
         job AS (
           UPDATE relaykit_jobs j SET status = 'succeeded', result = v.result, error = NULL, lease_until = NULL, finished_at = now(), updated_at = now()
           FROM input v
           WHERE j.id = v.id AND j.status = 'active' AND j.attempts = v.attempt AND (v.worker IS NULL OR j.worker = v.worker) AND (v.token IS NULL OR j.lease_token = v.token)
           RETURNING j.id, j.attempts),
         attempt AS (
           UPDATE relaykit_job_attempts a SET outcome = 'succeeded', finished_at = now() FROM job
           WHERE a.job_id = job.id AND a.attempt = job.attempts RETURNING a.job_id)
         SELECT id FROM job`,
            [
              unique.map((i) => i.id),
              unique.map((i) => i.result),
              unique.map((i) => i.attempt),
              unique.map((i) => i.worker),
              unique.map((i) => i.token),
            ],
          );
          return rows.map((r) => r.id);
        });
        const written = new Set(ids);
        return unique.map((i) => written.has(i.id));
      },
    );
  }

  /** Records a failed attempt and what happens next: a retry at `runAfter`, or a final status. Fenced like {@link succeed}. */
  async fail(
    id: string,
    attempt: number,
    error: JobError,
    next: { status: 'retrying'; runAfter: Date } | { status: 'failed' | 'dead' },
    holder?: string | Lease,
  ): Promise<boolean> {
    const { worker, token } =
      typeof holder === 'string' ? { worker: holder, token: null } : (holder ?? { worker: null, token: null });
    const final = next.status !== 'retrying';
    const run = async (tx: SqlExecutor) => {
      const { rows } = await tx.query<{ id: string }>(
        `WITH job AS (UPDATE relaykit_jobs SET status = $2, error = $3, lease_until = NULL, run_after = $4, updated_at = now(),
           finished_at = CASE WHEN $2 = 'retrying' THEN NULL ELSE now() END
         WHERE id = $1 AND status = 'active' AND attempts = $5 AND ($6::text IS NULL OR worker = $6) AND ($7::text IS NULL OR lease_token = $7) RETURNING id),
       attempt AS (UPDATE relaykit_job_attempts SET outcome = 'failed', error = $3, finished_at = now() WHERE job_id = $1 AND attempt = $5 AND EXISTS (SELECT 1 FROM job) RETURNING attempt)
       SELECT id FROM job`,
        [id, next.status, toJsonb(error), next.status === 'retrying' ? next.runAfter : null, attempt, worker, token],
      );
      return rows.map((r) => r.id);
    };
    // A job that will run again keeps its input in clear; a final failure is masked with its end.
    return (final ? await this.finishing(run) : await run(this.sql)).length > 0;
  }

  /** Ends a job as dead without running it (e.g. past the stall limit). */
  async kill(id: string, error: JobError): Promise<void> {
    await this.finishing(async (tx) => {
      await tx.query(
        `UPDATE relaykit_jobs SET status = 'dead', error = $2, lease_until = NULL, finished_at = now(), updated_at = now() WHERE id = $1`,
        [id, toJsonb(error)],
      );
      await tx.query(
        `UPDATE relaykit_job_attempts SET outcome = 'failed', error = $2, finished_at = now() WHERE job_id = $1 AND outcome = 'running'`,
        [id, toJsonb(error)],
      );
      return [id];
    });
  }

  /** Hands a running job back at shutdown: due again at once, the attempt not counted as a stall. Fenced like {@link succeed}. */
  async handBack(id: string, holder: string | Lease, attempt: number): Promise<boolean> {
    const { worker, token } = typeof holder === 'string' ? { worker: holder, token: null } : holder;
    const { rows } = await this.sql.query(
      `WITH job AS (UPDATE relaykit_jobs SET status = 'retrying', attempts = attempts - 1, lease_until = NULL, run_after = NULL, updated_at = now()
         WHERE id = $1 AND worker = $2 AND ($4::text IS NULL OR lease_token = $4) AND status = 'active' AND attempts = $3 RETURNING id),
       gone AS (DELETE FROM relaykit_job_attempts WHERE job_id = $1 AND attempt = $3 AND EXISTS (SELECT 1 FROM job) RETURNING attempt)
       SELECT id FROM job`,
      [id, worker, attempt, token],
    );
    return rows.length > 0;
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
       ORDER BY updated_at LIMIT $2`,
      [String(graceMs), limit],
    );
    return rows.map((r) => ({ id: r.id, instance: r.instance, attempts: Number(r.attempts) }));
  }

  /**
   * Running jobs whose lease ran out (their worker died or froze), oldest lapse first: a live worker takes them over
   * directly, so a takeover waits for the lease, not for the queue's backlog.
   */
  async findExpiredLeases(instances: readonly string[], limit = 100): Promise<QueueRef[]> {
    const { rows } = await this.sql.query<{ id: string; instance: string; attempts: number }>(
      `SELECT id, instance, attempts FROM relaykit_jobs
       WHERE status = 'active' AND lease_until < now() AND instance = ANY($1::text[])
       ORDER BY lease_until LIMIT $2`,
      [instances, limit],
    );
    return rows.map((r) => ({ id: r.id, instance: r.instance, attempts: Number(r.attempts) }));
  }

  /** Jobs per status and instance (for metrics). */
  async countByStatus(): Promise<Array<{ instance: string; status: JobStatus; count: number }>> {
    const { rows } = await this.sql.query<{ instance: string; status: JobStatus; count: string }>(
      'SELECT instance, status, count(*) AS count FROM relaykit_jobs GROUP BY instance, status',
    );
    return rows.map((r) => ({ instance: r.instance, status: r.status, count: Number(r.count) }));
  }
}

/** A stored trace context, or null (none stored, or not the shape one has: it never fails a job). */
function readTraceContext(text: string | null | undefined): Record<string, string> | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    const entries = Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string');
    return entries.length ? Object.fromEntries(entries) : null;
  } catch {
    return null;
  }
}
