import { pipeline, Readable, Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import type { AuditFilter } from '../store/audit-query.js';
import {
  auditEntrySchema,
  auditExportQuery,
  auditListQuery,
  encodeAuditCursor,
  type AuditEntryView,
} from './audit-params.js';
import { auditEntries, auditPage } from './audit-read.js';
import type { Principal } from './principal.js';
import { defineRoute } from '../http/route.js';

/** The store filter of a validated query, confined to the caller's environment. */
function filterOf(principal: Principal, query: Omit<AuditFilter, 'environment'>): AuditFilter {
  const { actor, keyId, operation, method, outcome, instance, from, to } = query;
  return { environment: principal.environment, actor, keyId, operation, method, outcome, instance, from, to };
}

/** `GET /v1/admin/audit`: the audit log of the caller's environment, newest first, filtered, by cursor. */
export const listAudit = defineRoute({
  method: 'get',
  path: '/v1/admin/audit',
  operationId: 'audit.list',
  summary: 'Query the audit log',
  description:
    "The audit log of the caller's environment, newest first: who called what, when, with which outcome. Pages follow `nextCursor` (keyset on the row id): rows written while paging never shift a page, so no entry is seen twice or skipped. Payloads are redacted.",
  tags: ['operator'],
  permission: 'admin:read',
  query: auditListQuery,
  response: z.object({
    entries: z.array(auditEntrySchema),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  }),
  async handler({ deps, principal, query }) {
    const page = await auditPage(deps, filterOf(principal, query), { beforeId: query.cursor, limit: query.limit });
    return { entries: page.entries, nextCursor: page.lastId === undefined ? null : encodeAuditCursor(page.lastId) };
  },
});

const CSV_COLUMNS = [
  'id',
  'at',
  'actor',
  'apiKeyId',
  'environment',
  'method',
  'path',
  'instance',
  'operation',
  'jobId',
  'status',
  'outcome',
  'durationMs',
  'payload',
] as const;

/**
 * `GET /v1/admin/audit/export?format=csv|ndjson`: every matching entry, streamed as it is read from the database in
 * batches (the log is never held in memory). CSV through csv-stringify with formula escaping (a cell starting with
 * `=`, `+`, `-`, `@` is not run by a spreadsheet); the payload column holds the redacted payload's JSON.
 */
export const exportAudit = defineRoute({
  method: 'get',
  path: '/v1/admin/audit/export',
  operationId: 'audit.export',
  summary: 'Export the audit log (CSV or NDJSON, streamed)',
  description:
    'Every entry matching the filters (those of `GET /v1/admin/audit`), newest first, streamed as it is read from the database in batches, as an attachment: CSV with a header row (formulas escaped, the payload column holding the redacted payload as JSON) or one JSON entry per line.',
  tags: ['operator'],
  permission: 'admin:read',
  query: auditExportQuery,
  produces: ['text/csv', 'application/x-ndjson'],
  response: z.string().describe('CSV with a header row, or one JSON audit entry per line'),
  async handler({ ctx, deps, principal, query }) {
    const source = auditEntries(deps, filterOf(principal, query));
    // The first batch is read before answering: a database outage is a 503 problem, not a cut-off download.
    const first = await source.next();
    async function* all() {
      if (first.done) return;
      yield first.value;
      yield* source;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    ctx.set(
      'Content-Disposition',
      `attachment; filename="relaykit-audit-${principal.environment}-${stamp}.${query.format}"`,
    );
    ctx.set('Cache-Control', 'no-store');
    // A failure mid-way cuts the response off (its chunked body never ends), so a client cannot take it for complete.
    const failed = (error: Error | null | undefined) => {
      if (error && error.name !== 'AbortError') deps.logger.warn({ err: String(error) }, 'audit export stopped');
    };
    if (query.format === 'ndjson') {
      ctx.type = 'application/x-ndjson; charset=utf-8';
      return pipeline(
        Readable.from(all()),
        new Transform({
          writableObjectMode: true,
          transform: (entry, _encoding, done) => done(null, `${JSON.stringify(entry)}\n`),
        }),
        failed,
      );
    }
    ctx.type = 'text/csv; charset=utf-8';
    return pipeline(
      Readable.from(all()),
      new Transform({
        objectMode: true,
        transform: (entry: AuditEntryView, _encoding, done) =>
          done(null, { ...entry, payload: JSON.stringify(entry.payload ?? null) }),
      }),
      stringify({ header: true, columns: [...CSV_COLUMNS], escape_formulas: true }),
      failed,
    );
  },
});
