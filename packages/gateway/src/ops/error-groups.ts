import type { SqlClient } from '../store/sql.js';
import type { CursorPosition } from './cursor.js';
import { errorFingerprint, normaliseMessage } from './fingerprint.js';
import { exactTime, likeLiteral } from './job-queries.js';

/** Where an error group stands: `open` → `acknowledged` → `resolved`; a resolved group that recurs is open again. */
export type ErrorGroupStatus = 'open' | 'acknowledged' | 'resolved';

/** A failure of one job attempt, as the runner reports it. */
export interface FailureReport {
  environment: string;
  instance: string;
  operation: string;
  jobId: string;
  code: string;
  message: string;
}

/** Failures grouped by fingerprint within one environment. */
export interface ErrorGroup {
  fingerprint: string;
  environment: string;
  instance: string;
  operation: string;
  code: string;
  /** The normalised message the group is keyed on. */
  message: string;
  /** The latest failure's message, as it was. */
  sampleMessage: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** Up to 10 job ids, most recent last. */
  sampleJobIds: string[];
  status: ErrorGroupStatus;
  statusBy: string | null;
  statusNote: string | null;
  statusAt: string | null;
  /** Times the group recurred after being resolved. */
  reopened: number;
}

/** Filters of {@link ErrorGroupStore.list}. */
export interface ErrorGroupFilter {
  status?: ErrorGroupStatus[] | undefined;
  instance?: string | undefined;
  operation?: string | undefined;
  code?: string | undefined;
  q?: string | undefined;
}

/** Sample job ids a group keeps. */
const SAMPLE = 10;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * The error groups table: one row per (environment, fingerprint), maintained on every failed attempt with one
 * upsert (count, last seen, a sample of recent job ids), and the resolution workflow operators drive.
 */
export class ErrorGroupStore {
  constructor(private readonly sql: SqlClient) {}

  /** Counts one failure in its group; a resolved group reopens (recorded as by `system`). */
  async record(failure: FailureReport): Promise<string> {
    const fingerprint = errorFingerprint(failure);
    // The sample keeps the last SAMPLE distinct ids: a job failing again is not added twice.
    await this.sql.query(
      `INSERT INTO relaykit_error_groups (environment, fingerprint, instance, operation, code, message, sample_message, count, sample_job_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 1, ARRAY[$8]::text[])
       ON CONFLICT (environment, fingerprint) DO UPDATE SET
         count = relaykit_error_groups.count + 1,
         last_seen = now(),
         message = excluded.message,
         sample_message = excluded.sample_message,
         sample_job_ids = CASE WHEN $8 = ANY(relaykit_error_groups.sample_job_ids) THEN relaykit_error_groups.sample_job_ids
           ELSE (relaykit_error_groups.sample_job_ids || ARRAY[$8]::text[])[greatest(1, cardinality(relaykit_error_groups.sample_job_ids) + 2 - ${SAMPLE}):] END,
         status = CASE WHEN relaykit_error_groups.status = 'resolved' THEN 'open' ELSE relaykit_error_groups.status END,
         status_by = CASE WHEN relaykit_error_groups.status = 'resolved' THEN 'system' ELSE relaykit_error_groups.status_by END,
         status_note = CASE WHEN relaykit_error_groups.status = 'resolved' THEN 'reopened: the error recurred after it was resolved' ELSE relaykit_error_groups.status_note END,
         status_at = CASE WHEN relaykit_error_groups.status = 'resolved' THEN now() ELSE relaykit_error_groups.status_at END,
         reopened = relaykit_error_groups.reopened + CASE WHEN relaykit_error_groups.status = 'resolved' THEN 1 ELSE 0 END`,
      [
        failure.environment,
        fingerprint,
        failure.instance,
        failure.operation,
        failure.code,
        normaliseMessage(failure.message),
        failure.message.slice(0, 2000),
        failure.jobId,
      ],
    );
    return fingerprint;
  }

  /** One page of groups, most recently seen first. */
  async list(
    environment: string,
    filter: ErrorGroupFilter,
    page: { limit: number; after?: CursorPosition | undefined },
  ): Promise<{ groups: ErrorGroup[]; next: CursorPosition | undefined }> {
    const params: unknown[] = [environment];
    const p = (value: unknown) => `$${params.push(value)}`;
    const where = ['g.environment = $1'];
    if (filter.status?.length) where.push(`g.status = ANY(${p(filter.status)}::text[])`);
    if (filter.instance !== undefined) where.push(`g.instance = ${p(filter.instance)}`);
    if (filter.operation !== undefined) where.push(`g.operation = ${p(filter.operation)}`);
    if (filter.code !== undefined) where.push(`g.code = ${p(filter.code)}`);
    if (filter.q !== undefined) where.push(`g.sample_message ILIKE ${p(likeLiteral(filter.q))} ESCAPE '\\'`);
    if (page.after)
      where.push(`(g.last_seen, g.fingerprint) < (${p(page.after.at)}::timestamptz, ${p(page.after.id)})`);
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT g.*, ${exactTime('g.last_seen')} AS seen_key FROM relaykit_error_groups g WHERE ${where.join(' AND ')}
       ORDER BY g.last_seen DESC, g.fingerprint DESC LIMIT ${p(page.limit + 1)}`,
      params,
    );
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      groups: shown.map(groupOf),
      next: more && last ? { at: last.seen_key as string, id: last.fingerprint as string } : undefined,
    };
  }

  /** One group of `environment`; undefined when there is none there. */
  async get(environment: string, fingerprint: string): Promise<ErrorGroup | undefined> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      'SELECT * FROM relaykit_error_groups WHERE environment = $1 AND fingerprint = $2',
      [environment, fingerprint],
    );
    return rows[0] ? groupOf(rows[0]) : undefined;
  }

  /** Moves a group to `status` with who and a note; undefined when there is no such group in `environment`. */
  async setStatus(
    environment: string,
    fingerprint: string,
    change: { status: ErrorGroupStatus; by: string; note: string | null },
  ): Promise<ErrorGroup | undefined> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `UPDATE relaykit_error_groups SET status = $3, status_by = $4, status_note = $5, status_at = now()
       WHERE environment = $1 AND fingerprint = $2 RETURNING *`,
      [environment, fingerprint, change.status, change.by, change.note],
    );
    return rows[0] ? groupOf(rows[0]) : undefined;
  }
}

function groupOf(r: Record<string, unknown>): ErrorGroup {
  return {
    fingerprint: r.fingerprint as string,
    environment: r.environment as string,
    instance: r.instance as string,
    operation: r.operation as string,
    code: r.code as string,
    message: r.message as string,
    sampleMessage: r.sample_message as string,
    count: Number(r.count),
    firstSeen: iso(r.first_seen as Date)!,
    lastSeen: iso(r.last_seen as Date)!,
    sampleJobIds: (r.sample_job_ids as string[] | null) ?? [],
    status: r.status as ErrorGroupStatus,
    statusBy: (r.status_by as string | null) ?? null,
    statusNote: (r.status_note as string | null) ?? null,
    statusAt: iso((r.status_at as Date | null) ?? null),
    reopened: Number(r.reopened),
  };
}
