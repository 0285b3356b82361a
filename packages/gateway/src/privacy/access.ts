import type { SqlClient } from '@relaykit/sdk-core';
import { toJson, type PayloadCodec } from '../store/codec.js';
import { fromJsonb } from '../store/jsonb.js';
import type { AuditLog } from '../store/audit.js';
import type { JobStore } from '../store/job-store.js';
import type { HeldDataItem } from './held-data.js';
import { belongsToSubject, type SubjectRef } from './subjects.js';

/** What an access export holds, per data class (the export's last member). */
export interface AccessSummary {
  jobs: number;
  webhookEvents: number;
  attempts: number;
  auditEntries: number;
  idempotencyResponses: number;
  /** Sync dead letters whose raw record names the subject. */
  syncDeadLetters: number;
  /** Records connectors keep themselves, by `<connector>.<class>` (e.g. `whatsapp.statuses`, `mahak.persons`). */
  connectorRecords: Record<string, number>;
}

const PAGE = 200;

/** The job ids the subject's identifiers lead to (see {@link belongsToSubject}), oldest first, in one environment. */
export async function* subjectJobIds(
  sql: SqlClient,
  refs: readonly SubjectRef[],
  environment: string,
): AsyncGenerator<string[]> {
  let cursor = '';
  for (;;) {
    const { rows } = await sql.query<{ job_id: string }>(
      `SELECT DISTINCT i.job_id FROM relaykit_subject_index i JOIN relaykit_jobs j ON j.id = i.job_id
       WHERE i.hmac = ANY($1::text[]) AND i.job_id > $2 AND j.environment = $3 ORDER BY i.job_id LIMIT $4`,
      [refs.map((r) => r.hmac), cursor, environment, PAGE],
    );
    if (!rows.length) return;
    const ids = rows.map((r) => r.job_id);
    cursor = ids[ids.length - 1]!;
    const { rows: named } = await sql.query<{ job_id: string; kind: SubjectRef['kind']; hmac: string }>(
      'SELECT job_id, kind, hmac FROM relaykit_subject_index WHERE job_id = ANY($1::text[])',
      [ids],
    );
    const byJob = new Map<string, SubjectRef[]>();
    for (const r of named) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), { kind: r.kind, hmac: r.hmac }]);
    const owned = ids.filter((id) => belongsToSubject(refs, byJob.get(id) ?? []));
    if (owned.length) yield owned;
  }
}

/**
 * The subject access export as JSON text chunks (streamed: one job's data at a time): `items` lists every stored
 * piece, decrypted, each with `source` (table, row and column it came from); `summary` counts them per class.
 */
export async function* accessExport(deps: {
  sql: SqlClient;
  store: JobStore;
  audit: AuditLog;
  codec: PayloadCodec;
  refs: readonly SubjectRef[];
  environment: string;
  /** What is kept outside the job records (sync dead letters, connectors' own data), exported after the jobs. */
  held?: AsyncIterable<HeldDataItem> | undefined;
  onSummary?: (summary: AccessSummary) => void;
}): AsyncGenerator<string> {
  const summary: AccessSummary = {
    jobs: 0,
    webhookEvents: 0,
    attempts: 0,
    auditEntries: 0,
    idempotencyResponses: 0,
    syncDeadLetters: 0,
    connectorRecords: {},
  };
  yield `{"generatedAt":${JSON.stringify(new Date().toISOString())},"items":[`;
  let first = true;
  const item = (value: unknown) => {
    const text = `${first ? '' : ','}\n${toJson(value)}`;
    first = false;
    return text;
  };
  for await (const ids of subjectJobIds(deps.sql, deps.refs, deps.environment)) {
    for (const id of ids) {
      const job = await deps.store.get(id);
      if (!job) continue;
      if (job.kind === 'webhook') summary.webhookEvents++;
      else summary.jobs++;
      yield item({
        source: { table: 'relaykit_jobs', id, columns: ['input', 'result', 'error'] },
        class: job.kind === 'webhook' ? 'webhookEvent' : 'job',
        instance: job.instance,
        operation: job.operation,
        status: job.status,
        createdAt: job.createdAt,
        finishedAt: job.finishedAt,
        input: job.input,
        result: job.result,
        error: job.error,
      });
      for (const attempt of await deps.store.attempts(id)) {
        summary.attempts++;
        yield item({
          source: { table: 'relaykit_job_attempts', id: `${id}#${attempt.attempt}`, columns: ['error'] },
          class: 'attempt',
          jobId: id,
          ...attempt,
        });
      }
      if (job.idempotencyKey && job.apiKeyId) {
        const scope = `apikey:${job.apiKeyId}`;
        const { rows } = await deps.sql.query<{ state: string; result: unknown; expires_at: Date }>(
          'SELECT state, result, expires_at FROM relaykit_idempotency WHERE scope = $1 AND key = $2',
          [scope, job.idempotencyKey],
        );
        for (const row of rows) {
          summary.idempotencyResponses++;
          const stored =
            typeof row.result === 'string' && deps.codec.encrypted
              ? await deps.codec.decode(row.result, `idempotency:${scope}:${job.idempotencyKey}`)
              : fromJsonb(row.result);
          yield item({
            source: { table: 'relaykit_idempotency', id: `${scope}/${job.idempotencyKey}`, columns: ['result'] },
            class: 'idempotencyResponse',
            jobId: id,
            state: row.state,
            expiresAt: new Date(row.expires_at).toISOString(),
            response: stored,
          });
        }
      }
    }
    for (const entry of await deps.audit.forJobs(ids)) {
      summary.auditEntries++;
      yield item({
        source: { table: 'relaykit_audit', id: entry.id, columns: ['payload'] },
        class: 'auditEntry',
        ...entry,
      });
    }
  }
  for await (const held of deps.held ?? []) {
    if (held.class === 'syncDeadLetter') summary.syncDeadLetters++;
    else summary.connectorRecords[held.class] = (summary.connectorRecords[held.class] ?? 0) + 1;
    yield item(held);
  }
  deps.onSummary?.(summary);
  yield `\n],"summary":${JSON.stringify(summary)}}\n`;
}
