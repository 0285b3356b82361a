import type { SqlClient } from '../store/sql.js';
import type { CursorPosition } from './cursor.js';
import { exactTime } from './job-queries.js';

/** One row of the dead-letter view: a dead job of the gateway, or a record a sync could not take. */
export interface DeadLetterRow {
  id: string;
  kind: 'job' | 'sync';
  instance: string;
  /** The job's operation, or the sync's entity. */
  subject: string;
  source: string | null;
  recordId: string | null;
  version: string | null;
  reason: string;
  code: string | null;
  at: string;
  /** The sync record as read (jobs: null here; their input is read through the job store, which may decrypt it). */
  raw: unknown;
}

/** Prefix of a sync dead letter's id in the operator API (`sdl_<seq>`). */
export const SYNC_ID_PREFIX = 'sdl_';

/** Filters of the dead-letter view. */
export interface DeadLetterFilter {
  kind?: 'job' | 'sync' | undefined;
  instance?: string | undefined;
}

/**
 * The dead-letter view: dead jobs not discarded and open sync dead letters of one environment, newest first, keyset
 * paginated over (time, id) like the job list.
 */
export async function listDeadLetters(
  sql: SqlClient,
  environment: string,
  filter: DeadLetterFilter,
  page: { limit: number; after?: CursorPosition | undefined },
): Promise<{ letters: DeadLetterRow[]; next: CursorPosition | undefined }> {
  const params: unknown[] = [environment];
  const p = (value: unknown) => `$${params.push(value)}`;
  const parts: string[] = [];
  const instance = filter.instance !== undefined ? p(filter.instance) : undefined;
  if (filter.kind !== 'sync')
    parts.push(`SELECT 'job' AS kind, j.id AS id, j.instance, j.operation AS subject, NULL::text AS source,
        NULL::text AS record_id, NULL::text AS version, coalesce(j.error->>'message', '') AS reason, j.error->>'code' AS code,
        coalesce(j.finished_at, j.updated_at) AS at, NULL::jsonb AS raw
      FROM relaykit_jobs j WHERE j.environment = $1 AND j.status = 'dead' AND j.discarded_at IS NULL${instance ? ` AND j.instance = ${instance}` : ''}`);
  if (filter.kind !== 'job')
    parts.push(`SELECT 'sync' AS kind, '${SYNC_ID_PREFIX}' || d.seq AS id, d.instance, d.entity AS subject, d.source, d.record_id,
        d.version, d.reason, d.code, d.at, d.raw
      FROM relaykit_sync_dead_letters d WHERE d.environment = $1 AND d.state = 'open'${instance ? ` AND d.instance = ${instance}` : ''}`);
  const after = page.after ? `WHERE (x.at, x.id) < (${p(page.after.at)}::timestamptz, ${p(page.after.id)})` : '';
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT x.*, ${exactTime('x.at')} AS at_key FROM (${parts.join(' UNION ALL ')}) x ${after}
     ORDER BY x.at DESC, x.id DESC LIMIT ${p(page.limit + 1)}`,
    params,
  );
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    letters: shown.map((r) => ({
      id: r.id as string,
      kind: r.kind as 'job' | 'sync',
      instance: r.instance as string,
      subject: r.subject as string,
      source: (r.source as string | null) ?? null,
      recordId: (r.record_id as string | null) ?? null,
      version: (r.version as string | null) ?? null,
      reason: r.reason as string,
      code: (r.code as string | null) ?? null,
      at: new Date(r.at as string).toISOString(),
      raw: r.raw ?? null,
    })),
    next: more && last ? { at: last.at_key as string, id: last.id as string } : undefined,
  };
}

/** Marks dead jobs of `environment` discarded with a note (they stay dead); returns the ids changed. */
export async function discardDeadJobs(
  sql: SqlClient,
  environment: string,
  ids: string[],
  note: string,
): Promise<string[]> {
  if (!ids.length) return [];
  const { rows } = await sql.query<{ id: string }>(
    `UPDATE relaykit_jobs SET discarded_at = now(), discard_note = $3, updated_at = now()
     WHERE environment = $1 AND id = ANY($2::text[]) AND status = 'dead' AND discarded_at IS NULL RETURNING id`,
    [environment, ids, note],
  );
  return rows.map((r) => r.id);
}
