import { problem } from '../errors/index.js';
import { fromJsonb, toJsonb } from '../store/jsonb.js';
import type { SqlClient } from '../store/sql.js';
import type { JobError, JobStatus } from '../store/types.js';
import type { CursorPosition } from './cursor.js';
import type { JobFilter } from './job-filter.js';

/** One row of the job list (no payloads: those are in the detail, masked). */
export interface JobSummary {
  id: string;
  kind: string;
  environment: string;
  instance: string;
  operation: string;
  status: JobStatus;
  attemptCount: number;
  maxAttempts: number;
  error: JobError | null;
  idempotencyKey: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** The sort key of a row as exact text (UTC, microseconds), whatever the session's DateStyle and TimeZone. */
export const exactTime = (column: string) =>
  `(to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00')`;

/** `%`, `_` and `\` taken literally in an ILIKE pattern (escape character `\`). */
export const likeLiteral = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The SQL condition (on alias `j`) and parameters of a filter, confined to one environment. */
export function jobWhere(environment: string, filter: JobFilter, params: unknown[] = []): string {
  if (filter.environment !== undefined && filter.environment !== environment)
    throw problem(
      'FORBIDDEN_ENVIRONMENT',
      `The caller belongs to environment "${environment}"; it cannot see jobs of "${filter.environment}".`,
    );
  const p = (value: unknown) => `$${params.push(value)}`;
  const where = [`j.environment = ${p(environment)}`];
  if (filter.status?.length) where.push(`j.status = ANY(${p(filter.status)}::text[])`);
  if (filter.instance !== undefined) where.push(`j.instance = ${p(filter.instance)}`);
  if (filter.operation !== undefined) where.push(`j.operation = ${p(filter.operation)}`);
  if (filter.from !== undefined) where.push(`j.created_at >= ${p(filter.from)}::timestamptz`);
  if (filter.to !== undefined) where.push(`j.created_at < ${p(filter.to)}::timestamptz`);
  if (filter.idempotencyKey !== undefined) where.push(`j.idempotency_key = ${p(filter.idempotencyKey)}`);
  if (filter.errorCode !== undefined) where.push(`j.error->>'code' = ${p(filter.errorCode)}`);
  if (filter.q !== undefined) where.push(`j.error->>'message' ILIKE ${p(likeLiteral(filter.q))} ESCAPE '\\'`);
  return where.join(' AND ');
}

interface SummaryRow {
  id: string;
  kind: string;
  environment: string;
  instance: string;
  operation: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  error: unknown;
  idempotency_key: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  created_key: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * Reads and changes jobs for the operator API, always within one environment. Listing is keyset-paginated over
 * (created_at, id), newest first: a page starts strictly after the previous page's last row, so rows inserted
 * meanwhile (always newer) never shift a page, and no row is seen twice or skipped.
 */
export class OpsJobQueries {
  constructor(private readonly sql: SqlClient) {}

  /** One page of jobs matching `filter`, and the position after its last row when more may follow. */
  async list(
    environment: string,
    filter: JobFilter,
    page: { limit: number; after?: CursorPosition | undefined },
  ): Promise<{ jobs: JobSummary[]; next: CursorPosition | undefined }> {
    const params: unknown[] = [];
    let where = jobWhere(environment, filter, params);
    if (page.after) {
      params.push(page.after.at, page.after.id);
      where += ` AND (j.created_at, j.id) < ($${params.length - 1}::timestamptz, $${params.length})`;
    }
    params.push(page.limit + 1);
    const { rows } = await this.sql.query<SummaryRow>(
      `SELECT j.id, j.kind, j.environment, j.instance, j.operation, j.status, j.attempts, j.max_attempts, j.error,
              j.idempotency_key, j.created_at, j.updated_at, j.finished_at, ${exactTime('j.created_at')} AS created_key
       FROM relaykit_jobs j WHERE ${where} ORDER BY j.created_at DESC, j.id DESC LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      jobs: shown.map((r) => ({
        id: r.id,
        kind: r.kind,
        environment: r.environment,
        instance: r.instance,
        operation: r.operation,
        status: r.status,
        attemptCount: Number(r.attempts),
        maxAttempts: Number(r.max_attempts),
        error: fromJsonb(r.error) as JobError | null,
        idempotencyKey: r.idempotency_key,
        createdAt: iso(r.created_at)!,
        updatedAt: iso(r.updated_at)!,
        finishedAt: iso(r.finished_at),
      })),
      next: more && last ? { at: last.created_key, id: last.id } : undefined,
    };
  }

  /** Cancels a queued (or delayed) or retrying job; the job as it stands when it could not be cancelled. */
  async cancel(
    environment: string,
    id: string,
    by: string,
  ): Promise<{ cancelled: true } | { cancelled: false; status: JobStatus | undefined }> {
    // Atomic against a worker's claim: whichever writes first wins; the claim only takes queued/retrying rows.
    const { rows } = await this.sql.query(
      `UPDATE relaykit_jobs SET status = 'cancelled', run_after = NULL, lease_until = NULL, finished_at = now(), updated_at = now(),
         error = $3::jsonb
       WHERE id = $1 AND environment = $2 AND status IN ('queued', 'retrying') RETURNING id`,
      [id, environment, toJsonb({ code: 'CANCELLED', message: `cancelled by ${by}` })],
    );
    if (rows.length) return { cancelled: true };
    return { cancelled: false, status: await this.statusOf(environment, id) };
  }

  /**
   * Puts failed or dead jobs back in the queue: status `queued`, due now, with a fresh attempt budget (earlier
   * attempts stay in the history and numbering goes on). Returns the jobs it changed, to enqueue.
   */
  async retry(environment: string, ids: string[]): Promise<Array<{ id: string; instance: string; attempts: number }>> {
    if (!ids.length) return [];
    const { rows } = await this.sql.query<{ id: string; instance: string; attempts: number }>(
      `UPDATE relaykit_jobs SET status = 'queued', attempt_base = attempts, run_after = NULL, lease_until = NULL,
         finished_at = NULL, discarded_at = NULL, discard_note = NULL, updated_at = now()
       WHERE id = ANY($1::text[]) AND environment = $2 AND status IN ('failed', 'dead') RETURNING id, instance, attempts`,
      [ids, environment],
    );
    return rows.map((r) => ({ id: r.id, instance: r.instance, attempts: Number(r.attempts) }));
  }

  /** Ids of retryable (failed or dead) jobs matching `filter`, in batches of `batch`, oldest first after `afterId`. */
  async retryableIds(
    environment: string,
    filter: JobFilter,
    batch: number,
    after?: CursorPosition,
  ): Promise<{ ids: string[]; next: CursorPosition | undefined }> {
    const params: unknown[] = [];
    const statuses = (filter.status ?? ['failed', 'dead']).filter((s) => s === 'failed' || s === 'dead');
    if (!statuses.length) return { ids: [], next: undefined };
    let where = jobWhere(environment, { ...filter, status: statuses }, params);
    if (after) {
      params.push(after.at, after.id);
      where += ` AND (j.created_at, j.id) > ($${params.length - 1}::timestamptz, $${params.length})`;
    }
    params.push(batch);
    const { rows } = await this.sql.query<{ id: string; created_key: string }>(
      `SELECT j.id, ${exactTime('j.created_at')} AS created_key FROM relaykit_jobs j WHERE ${where}
       ORDER BY j.created_at, j.id LIMIT $${params.length}`,
      params,
    );
    const last = rows.at(-1);
    return {
      ids: rows.map((r) => r.id),
      next: rows.length === batch && last ? { at: last.created_key, id: last.id } : undefined,
    };
  }

  /** How many jobs match `filter` (bulk retry's dry run counts the retryable ones). */
  async count(environment: string, filter: JobFilter): Promise<number> {
    const params: unknown[] = [];
    const where = jobWhere(environment, filter, params);
    const { rows } = await this.sql.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM relaykit_jobs j WHERE ${where}`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The status of a job of `environment`; undefined when there is none there. */
  async statusOf(environment: string, id: string): Promise<JobStatus | undefined> {
    const { rows } = await this.sql.query<{ status: JobStatus }>(
      'SELECT status FROM relaykit_jobs WHERE id = $1 AND environment = $2',
      [id, environment],
    );
    return rows[0]?.status;
  }
}
