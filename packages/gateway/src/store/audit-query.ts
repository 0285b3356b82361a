import type { SqlClient } from './sql.js';

/** What an audit call came to: `success` (< 400), `denied` (401, 403) or `failed` (any other error status). */
export type AuditOutcome = 'success' | 'denied' | 'failed';

/** Filters of {@link selectAudit}; every one optional but the environment. */
export interface AuditFilter {
  /** Only rows of this environment (an operator sees their own environment's trail). */
  environment: string;
  /** `key:<id>` or `user:<id>`. */
  actor?: string | undefined;
  /** The API key the call came with. */
  keyId?: string | undefined;
  /** Exact operation (`admin:keys.create`, `put`), or a prefix ending in `*` (`admin:keys.*`). */
  operation?: string | undefined;
  /** HTTP method. */
  method?: string | undefined;
  outcome?: AuditOutcome | undefined;
  instance?: string | undefined;
  /** Inclusive lower bound on the time of the call. */
  from?: Date | undefined;
  /** Exclusive upper bound on the time of the call. */
  to?: Date | undefined;
}

const OUTCOME_SQL: Record<AuditOutcome, string> = {
  success: 'status < 400',
  denied: 'status IN (401, 403)',
  failed: 'status >= 400 AND status NOT IN (401, 403)',
};

/** LIKE pattern matching `prefix` literally, then anything. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Audit rows matching `filter`, newest first, with ids below `beforeId` (keyset pagination: a page never
 * moves when rows are added, since new rows get higher ids). Rows as stored (`SELECT *`): open them with
 * `AuditLog.decodeRow`.
 */
export async function selectAudit(
  sql: SqlClient,
  filter: AuditFilter,
  options: { beforeId?: bigint | undefined; limit: number },
): Promise<Array<Record<string, unknown>>> {
  const params: unknown[] = [filter.environment];
  const where = ['environment = $1'];
  const add = (clause: (p: string) => string, value: unknown) => where.push(clause(`$${params.push(value)}`));
  if (filter.actor !== undefined) add((p) => `coalesce(actor, 'key:' || api_key_id) = ${p}`, filter.actor);
  if (filter.keyId !== undefined) add((p) => `api_key_id = ${p}`, filter.keyId);
  if (filter.operation !== undefined) {
    if (filter.operation.endsWith('*')) add((p) => `operation LIKE ${p}`, likePrefix(filter.operation.slice(0, -1)));
    else add((p) => `operation = ${p}`, filter.operation);
  }
  if (filter.method !== undefined) add((p) => `method = ${p}`, filter.method.toUpperCase());
  if (filter.outcome !== undefined) where.push(OUTCOME_SQL[filter.outcome]);
  if (filter.instance !== undefined) add((p) => `instance = ${p}`, filter.instance);
  if (filter.from !== undefined) add((p) => `at >= ${p}`, filter.from);
  if (filter.to !== undefined) add((p) => `at < ${p}`, filter.to);
  if (options.beforeId !== undefined) add((p) => `id < ${p}::bigint`, options.beforeId.toString());
  const limit = `$${params.push(options.limit)}`;
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM relaykit_audit WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${limit}`,
    params,
  );
  return rows;
}
