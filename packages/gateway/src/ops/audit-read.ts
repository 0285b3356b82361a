import { redact } from '@relaykit/sdk-core';
import type { HttpDeps } from '../http/types.js';
import { AUDIT_REDACTION } from '../store/audit.js';
import { selectAudit, type AuditFilter, type AuditOutcome } from '../store/audit-query.js';
import type { AuditEntryView } from './audit-params.js';

/** What an audited call came to, by its status. */
export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'success';
  return status === 401 || status === 403 ? 'denied' : 'failed';
}

/** A stored audit row as the operator API shows it: payload opened and redacted again (rows written before today's rules too). */
export async function auditView(deps: HttpDeps, row: Record<string, unknown>): Promise<AuditEntryView> {
  const entry = await deps.audit.decodeRow(row);
  return {
    id: entry.id,
    at: entry.at,
    requestId: entry.requestId,
    actor: entry.actor,
    apiKeyId: entry.apiKeyId,
    environment: entry.environment,
    method: entry.method,
    path: entry.path,
    instance: entry.instance,
    operation: entry.operation,
    jobId: entry.jobId,
    status: entry.status,
    outcome: outcomeOf(entry.status),
    durationMs: Math.round(entry.durationMs * 1000) / 1000,
    payload: entry.payload === undefined ? null : redact(entry.payload, AUDIT_REDACTION),
  };
}

/** One page of audit entries, newest first, and the id to continue below (undefined on the last page). */
export async function auditPage(
  deps: HttpDeps,
  filter: AuditFilter,
  options: { beforeId?: bigint | undefined; limit: number },
): Promise<{ entries: AuditEntryView[]; lastId: string | undefined }> {
  // Entries of this process still waiting for their batch are written first: an operator reads their own calls.
  await deps.audit.flush();
  const rows = await selectAudit(deps.sql, filter, { beforeId: options.beforeId, limit: options.limit + 1 });
  const more = rows.length > options.limit;
  const entries = await Promise.all(rows.slice(0, options.limit).map((row) => auditView(deps, row)));
  return { entries, lastId: more ? entries.at(-1)?.id : undefined };
}

/** Every entry matching `filter`, newest first, read in keyset batches of `batch` rows (never the whole log in memory). */
export async function* auditEntries(deps: HttpDeps, filter: AuditFilter, batch = 500): AsyncGenerator<AuditEntryView> {
  let beforeId: bigint | undefined;
  for (;;) {
    const page = await auditPage(deps, filter, { beforeId, limit: batch });
    yield* page.entries;
    if (page.lastId === undefined) return;
    beforeId = BigInt(page.lastId);
  }
}
