import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { SalesforceTransport } from '../client/transport.js';
import type { CallOptions } from '../client/types.js';
import { SalesforceBulkJobError } from '../errors/index.js';
import type { BulkIngestResult, BulkJobInfo, BulkOperation, BulkRowResult } from './types.js';
import { sleep } from '@relaykit/sdk-core';

/** Progress of an ingest, reported after every poll. */
export interface BulkProgress {
  jobId: string;
  /** 1-based number of this job among `jobs` (input over ~100 MB is split into several). */
  job: number;
  jobs: number;
  state: BulkJobInfo['state'];
  processed: number;
  failed: number;
  /** Rows uploaded to this job. */
  total: number;
}

/** Back-off of status polls. No overall timeout: a big job may take hours; use `signal` to stop. */
export interface PollOptions {
  /** First wait, ms. Default 500. */
  initialMs?: number;
  /** Longest wait, ms. Default 15,000. */
  maxMs?: number;
  /** Growth per poll. Default 1.5. */
  factor?: number;
}

/** Options of {@link bulkIngest}. */
export interface BulkIngestOptions extends CallOptions {
  object: string;
  operation: BulkOperation;
  /** Required for `upsert`. */
  externalIdField?: string | undefined;
  /** Rows to load. `null` clears a field (`#N/A`); `undefined` leaves it untouched. For deletes: rows with `Id`. */
  records: ReadonlyArray<Record<string, unknown>>;
  /** Columns, in order. Default: every key seen, in first-seen order. */
  columns?: string[] | undefined;
  /** Upload size per job before splitting into another job. Default 100,000,000 bytes (Salesforce's 100 MB raw limit). */
  maxBytesPerJob?: number | undefined;
  poll?: PollOptions | undefined;
  lineEnding?: 'LF' | 'CRLF' | undefined;
  onProgress?: ((progress: BulkProgress) => void) | undefined;
}

const NULL_VALUE = '#N/A';
const DEFAULT_MAX_BYTES = 100_000_000;

/**
 * Loads records through Bulk API 2.0: CSV written with csv-stringify, split into several jobs
 * past ~100 MB, UploadComplete, polling with back-off (no short timeout) and a progress callback,
 * then the successful / failed / unprocessed result files parsed with csv-parse and matched back
 * to the input rows by content (Salesforce does not keep the order).
 */
export async function bulkIngest(client: SalesforceTransport, options: BulkIngestOptions): Promise<BulkIngestResult> {
  if (options.operation === 'upsert' && !options.externalIdField)
    throw new TypeError('Bulk upsert needs externalIdField');
  const columns = options.columns ?? inferColumns(options.records, options.operation);
  const rows = options.records.map((r) => columns.map((c) => toCell(r[c])));
  const groups = splitBySize(rows, columns, options.maxBytesPerJob ?? DEFAULT_MAX_BYTES);
  const results: BulkRowResult[] = new Array(rows.length);
  const jobs: BulkJobInfo[] = [];
  const common = { ...(options.signal ? { signal: options.signal } : {}), ...(options.urgent ? { urgent: true } : {}) };
  for (let g = 0; g < groups.length; g++) {
    const indexes = groups[g]!;
    const csv = stringify([columns, ...indexes.map((i) => rows[i]!)], {
      record_delimiter: options.lineEnding === 'CRLF' ? 'windows' : 'unix',
    });
    const created = await client.send<BulkJobInfo>({
      method: 'POST',
      path: '/jobs/ingest',
      route: '/jobs/ingest',
      json: {
        object: options.object,
        operation: options.operation,
        contentType: 'CSV',
        lineEnding: options.lineEnding ?? 'LF',
        columnDelimiter: 'COMMA',
        ...(options.externalIdField ? { externalIdFieldName: options.externalIdField } : {}),
      },
      ...common,
    });
    const job = created.body;
    const contentUrl = job.contentUrl ? client.rebase(job.contentUrl) : `/jobs/ingest/${job.id}/batches`;
    await client.send({
      method: 'PUT',
      path: contentUrl,
      route: '/jobs/ingest/:id/batches',
      body: csv,
      headers: { 'content-type': 'text/csv' },
      ...common,
    });
    await client.send({
      method: 'PATCH',
      path: `/jobs/ingest/${job.id}`,
      route: '/jobs/ingest/:id',
      json: { state: 'UploadComplete' },
      idempotent: true,
      ...common,
    });
    const final = await pollJob(client, `/jobs/ingest/${job.id}`, options.poll, options.signal, (info) =>
      options.onProgress?.({
        jobId: job.id,
        job: g + 1,
        jobs: groups.length,
        state: info.state,
        processed: info.numberRecordsProcessed ?? 0,
        failed: info.numberRecordsFailed ?? 0,
        total: indexes.length,
      }),
    );
    jobs.push(final);
    if (final.state === 'Failed' || final.state === 'Aborted') {
      // Rows it processed before stopping are written: report them (and the rest as unprocessed).
      if ((final.numberRecordsProcessed ?? 0) > 0)
        await matchResults(client, job.id, columns, rows, indexes, results, common);
      throw new SalesforceBulkJobError(job.id, final.state, final.errorMessage, {
        kind: 'ingest',
        partial: summarise(jobs, results),
      });
    }
    await matchResults(client, job.id, columns, rows, indexes, results, common);
  }
  return summarise(jobs, results);
}

/** Fills rows without an outcome as unprocessed and counts each kind. */
function summarise(jobs: BulkJobInfo[], results: BulkRowResult[]): BulkIngestResult {
  let successful = 0,
    failed = 0,
    unprocessed = 0;
  for (let i = 0; i < results.length; i++) {
    results[i] ??= { index: i, status: 'unprocessed' };
    if (results[i]!.status === 'success') successful++;
    else if (results[i]!.status === 'failed') failed++;
    else unprocessed++;
  }
  return { jobs, results: [...results], successful, failed, unprocessed };
}

/** Polls a job until it leaves Open/UploadComplete/InProgress, with exponential back-off. */
export async function pollJob(
  client: SalesforceTransport,
  path: string,
  poll: PollOptions = {},
  signal?: AbortSignal,
  onInfo?: (info: BulkJobInfo) => void,
): Promise<BulkJobInfo> {
  let wait = poll.initialMs ?? 500;
  for (;;) {
    const res = await client.send<BulkJobInfo>({
      method: 'GET',
      path,
      route: path.replace(/\/[^/]+$/, '/:id'),
      urgent: true,
      ...(signal ? { signal } : {}),
    });
    onInfo?.(res.body);
    if (res.body.state === 'JobComplete' || res.body.state === 'Failed' || res.body.state === 'Aborted')
      return res.body;
    await sleep(wait, signal);
    wait = Math.min(poll.maxMs ?? 15_000, wait * (poll.factor ?? 1.5));
  }
}

async function matchResults(
  client: SalesforceTransport,
  jobId: string,
  columns: string[],
  rows: string[][],
  indexes: number[],
  results: BulkRowResult[],
  common: { signal?: AbortSignal; urgent?: boolean },
): Promise<void> {
  // Rows are matched by their content; identical rows are interchangeable, so a queue per key is exact.
  const byKey = new Map<string, number[]>();
  for (const i of indexes) {
    const key = JSON.stringify(rows[i]);
    const q = byKey.get(key);
    if (q) q.push(i);
    else byKey.set(key, [i]);
  }
  const take = (row: Record<string, string>): number | undefined =>
    byKey.get(JSON.stringify(columns.map((c) => row[c] ?? '')))?.shift();
  const fetchCsv = async (kind: string) => {
    const res = await client.send<string>({
      method: 'GET',
      path: `/jobs/ingest/${jobId}/${kind}/`,
      route: `/jobs/ingest/:id/${kind}`,
      headers: { accept: 'text/csv' },
      responseType: 'text',
      ...common,
    });
    return (
      res.body ? parse(res.body, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true }) : []
    ) as Array<Record<string, string>>;
  };
  for (const row of await fetchCsv('successfulResults')) {
    const i = take(row);
    if (i !== undefined)
      results[i] = { index: i, status: 'success', id: row.sf__Id || undefined, created: row.sf__Created === 'true' };
  }
  for (const row of await fetchCsv('failedResults')) {
    const i = take(row);
    if (i !== undefined) results[i] = { index: i, status: 'failed', id: row.sf__Id || undefined, error: row.sf__Error };
  }
  for (const row of await fetchCsv('unprocessedrecords')) {
    const i = take(row);
    if (i !== undefined) results[i] = { index: i, status: 'unprocessed' };
  }
}

function inferColumns(records: ReadonlyArray<Record<string, unknown>>, operation: BulkOperation): string[] {
  if (operation === 'delete' || operation === 'hardDelete') return ['Id'];
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (k !== 'attributes') seen.add(k);
  return [...seen];
}

function toCell(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return NULL_VALUE;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Groups row indexes so that each group's CSV stays under `maxBytes` (a safe over-estimate per row). */
export function splitBySize(rows: string[][], columns: string[], maxBytes: number): number[][] {
  const header = Buffer.byteLength(columns.join(',')) + columns.length * 2 + 1;
  const groups: number[][] = [];
  let current: number[] = [];
  let size = header;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let bytes = row.length * 3 + 1;
    for (const cell of row) bytes += Buffer.byteLength(cell) + (cell.includes('"') ? cell.split('"').length - 1 : 0);
    if (current.length > 0 && size + bytes > maxBytes) {
      groups.push(current);
      current = [];
      size = header;
    }
    current.push(i);
    size += bytes;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  return groups;
}
