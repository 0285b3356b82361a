import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { parseSoql, project, runSoql } from './soql.js';
import type { OrgStore, Planned, RecordError } from './store.js';
import type { FakeOrgFaults } from './types.js';

/** How a job ends when a fault says it must not complete. */
interface JobEnd {
  state: 'Failed' | 'Aborted';
  errorMessage: string | undefined;
  afterRecords: number;
}

const DELIMITERS: Record<string, string> = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`',
};
const NULL_VALUE = '#N/A';

/** A Bulk 2.0 ingest job as the fake org keeps it. */
export interface IngestJob {
  id: string;
  operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
  object: string;
  externalIdFieldName?: string | undefined;
  columnDelimiter: string;
  lineEnding: 'LF' | 'CRLF';
  state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  createdDate: string;
  apiVersion: number;
  uploads: string[];
  columns: string[];
  rows: Array<Record<string, string>>;
  processed: number;
  successful: Array<{ id: string; created: boolean; row: Record<string, string> }>;
  failed: Array<{ id: string; error: string; row: Record<string, string> }>;
  errorMessage?: string | undefined;
  /** Set by a fault: the job stops in this state. */
  end?: JobEnd | undefined;
}

/** A Bulk 2.0 query job. */
export interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  query: string;
  state: 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  createdDate: string;
  apiVersion: number;
  columns: string[];
  rows: Array<Record<string, unknown>>;
  errorMessage?: string | undefined;
  end?: JobEnd | undefined;
}

/** Bulk API 2.0: ingest and query jobs with state changes over time. */
export class BulkEngine {
  readonly ingestJobs = new Map<string, IngestJob>();
  readonly queryJobs = new Map<string, QueryJob>();
  private counter = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private endFault: (NonNullable<FakeOrgFaults['bulkJobs']> & { left: number }) | undefined;

  constructor(
    private readonly store: OrgStore,
    private readonly stepMs: number,
    private readonly perStep: number,
  ) {}

  /** Arms (or clears) the fault that makes the next jobs end Failed or Aborted. */
  setJobFaults(fault: FakeOrgFaults['bulkJobs']): void {
    this.endFault = fault ? { ...fault, left: fault.times ?? 1 } : undefined;
  }

  private takeEnd(kind: 'ingest' | 'query'): JobEnd | undefined {
    const f = this.endFault;
    if (!f || f.left <= 0 || (f.kind !== undefined && f.kind !== kind)) return undefined;
    f.left--;
    return {
      state: f.end,
      // Salesforce gives a failed ingest job a message; a failed query job has none.
      errorMessage:
        f.end === 'Failed' && kind === 'ingest'
          ? (f.errorMessage ?? 'InvalidBatch : Failed to process the batch')
          : undefined,
      afterRecords: f.afterRecords ?? 0,
    };
  }

  createIngest(body: Record<string, unknown>, apiVersion: number): IngestJob | RecordError {
    const operation = body.operation;
    if (!['insert', 'update', 'upsert', 'delete', 'hardDelete'].includes(String(operation)))
      return { statusCode: 'INVALIDJOB', message: `InvalidJob : Invalid operation: ${String(operation)}`, fields: [] };
    if (typeof body.object !== 'string')
      return { statusCode: 'INVALIDJOB', message: 'InvalidJob : Missing object', fields: [] };
    if (operation === 'upsert' && typeof body.externalIdFieldName !== 'string')
      return { statusCode: 'INVALIDJOB', message: 'InvalidJob : External ID was blank for upsert', fields: [] };
    const delimiter = String(body.columnDelimiter ?? 'COMMA');
    if (!(delimiter in DELIMITERS))
      return { statusCode: 'INVALIDJOB', message: `InvalidJob : Invalid column delimiter ${delimiter}`, fields: [] };
    const job: IngestJob = {
      id: `750Fk${(++this.counter).toString(36).padStart(13, '0')}`,
      operation: operation as IngestJob['operation'],
      object: body.object,
      externalIdFieldName: typeof body.externalIdFieldName === 'string' ? body.externalIdFieldName : undefined,
      columnDelimiter: delimiter,
      lineEnding: body.lineEnding === 'CRLF' ? 'CRLF' : 'LF',
      state: 'Open',
      createdDate: new Date().toISOString().replace('Z', '+0000'),
      apiVersion,
      uploads: [],
      columns: [],
      rows: [],
      processed: 0,
      successful: [],
      failed: [],
      end: this.takeEnd('ingest'),
    };
    this.ingestJobs.set(job.id, job);
    return job;
  }

  /** Receives the CSV of `PUT .../batches`. */
  upload(job: IngestJob, csv: string): RecordError | undefined {
    if (job.state !== 'Open')
      return {
        statusCode: 'INVALIDJOBSTATE',
        message: `Job ${job.id} is not open for data upload; its state is ${job.state}`,
        fields: [],
      };
    try {
      const rows = parse(csv, {
        columns: true,
        delimiter: DELIMITERS[job.columnDelimiter],
        skip_empty_lines: true,
        bom: true,
        relax_column_count: false,
      }) as Array<Record<string, string>>;
      const header = parse(csv.slice(0, csv.search(/\r?\n/) === -1 ? csv.length : csv.search(/\r?\n/)), {
        delimiter: DELIMITERS[job.columnDelimiter],
      }) as string[][];
      if (job.columns.length === 0) job.columns = header[0] ?? [];
      job.rows.push(...rows);
      job.uploads.push(csv);
      return undefined;
    } catch (e) {
      return { statusCode: 'INVALIDBATCH', message: `InvalidBatch : ${(e as Error).message}`, fields: [] };
    }
  }

  /** `PATCH /jobs/ingest/{id}` with `{"state": ...}`. */
  changeState(job: IngestJob, state: string): RecordError | undefined {
    if (state === 'Aborted') {
      if (job.state === 'JobComplete' || job.state === 'Failed')
        return { statusCode: 'INVALIDJOBSTATE', message: `Job is already ${job.state}`, fields: [] };
      job.state = 'Aborted';
      return undefined;
    }
    if (state !== 'UploadComplete')
      return { statusCode: 'INVALIDJOBSTATE', message: `Invalid state transition to ${state}`, fields: [] };
    if (job.state !== 'Open')
      return { statusCode: 'INVALIDJOBSTATE', message: `Job ${job.id} is in state ${job.state}`, fields: [] };
    job.state = 'UploadComplete';
    this.later(() => this.processStep(job));
    return undefined;
  }

  private processStep(job: IngestJob): void {
    if (job.state === 'Aborted') return;
    if (job.uploads.length === 0) {
      job.state = 'Failed';
      job.errorMessage = 'InvalidBatch : No data uploaded';
      return;
    }
    job.state = 'InProgress';
    const stopAt = job.end ? Math.min(job.end.afterRecords, job.rows.length) : job.rows.length;
    const end = Math.min(stopAt, job.processed + this.perStep);
    for (; job.processed < end; job.processed++) this.processRow(job, job.rows[job.processed]!);
    const stop = job.end;
    if (stop && job.processed >= stopAt)
      this.later(() => {
        if (job.state !== 'InProgress') return;
        job.state = stop.state;
        job.errorMessage = stop.errorMessage;
      });
    else if (job.processed >= job.rows.length)
      this.later(() => {
        if (job.state === 'InProgress') job.state = 'JobComplete';
      });
    else this.later(() => this.processStep(job));
  }

  private processRow(job: IngestJob, row: Record<string, string>): void {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (k !== 'Id' && v !== '') fields[k] = v === NULL_VALUE ? null : v;
    let plan: Planned<{ id: string; created: boolean }>;
    const id = row.Id ?? '';
    switch (job.operation) {
      case 'insert': {
        const p = this.store.planCreate(job.object, fields, 'bulk');
        plan = p.ok ? { ok: true, commit: () => ({ id: p.commit().Id, created: true }) } : p;
        break;
      }
      case 'update': {
        const p = this.store.planUpdate(job.object, id, fields, 'bulk');
        plan = p.ok ? { ok: true, commit: () => ({ id: p.commit().Id, created: false }) } : p;
        break;
      }
      case 'upsert': {
        const field = this.store.canonicalField(job.object, job.externalIdFieldName!);
        const value = field === 'Id' ? id : (row[job.externalIdFieldName!] ?? row[field]);
        if (!value) {
          plan = {
            ok: false,
            error: { statusCode: 'MISSING_ARGUMENT', message: `${field} not specified`, fields: [field] },
          };
          break;
        }
        const { [field]: _ext, ...rest } = fields;
        const p = this.store.planUpsert(job.object, field, value, rest, 'bulk');
        plan = p.ok
          ? {
              ok: true,
              commit: () => {
                const r = p.commit();
                return { id: r.record.Id, created: r.created };
              },
            }
          : p.matches
            ? {
                ok: false,
                error: {
                  statusCode: 'DUPLICATE_EXTERNAL_ID',
                  message: `${field}: more than one record found for external id field: [${p.matches.join(', ')}]`,
                  fields: [field],
                },
              }
            : p;
        break;
      }
      default: {
        const p = this.store.planDelete(id, 'bulk', job.object);
        plan = p.ok ? { ok: true, commit: () => ({ id: p.commit(), created: false }) } : p;
      }
    }
    if (plan.ok) {
      const r = plan.commit();
      job.successful.push({ id: r.id, created: r.created, row });
    } else {
      job.failed.push({
        id: id,
        error: `${plan.error.statusCode}:${plan.error.message}:${plan.error.fields.join(',')} --`,
        row,
      });
    }
  }

  /** Results CSVs. Order is deliberately not the upload order (Salesforce does not promise it). */
  results(job: IngestJob, kind: 'successfulResults' | 'failedResults' | 'unprocessedrecords'): string {
    const delimiter = DELIMITERS[job.columnDelimiter]!;
    const eol = job.lineEnding === 'CRLF' ? '\r\n' : '\n';
    if (kind === 'successfulResults') {
      const rows = [...job.successful]
        .reverse()
        .map((s) => [s.id, String(s.created), ...job.columns.map((c) => s.row[c] ?? '')]);
      return stringify([['sf__Id', 'sf__Created', ...job.columns], ...rows], {
        delimiter,
        record_delimiter: eol === '\n' ? 'unix' : 'windows',
      });
    }
    if (kind === 'failedResults') {
      const rows = [...job.failed].reverse().map((f) => [f.id, f.error, ...job.columns.map((c) => f.row[c] ?? '')]);
      return stringify([['sf__Id', 'sf__Error', ...job.columns], ...rows], {
        delimiter,
        record_delimiter: eol === '\n' ? 'unix' : 'windows',
      });
    }
    const rest = job.rows.slice(job.processed).map((r) => job.columns.map((c) => r[c] ?? ''));
    return stringify([job.columns, ...rest], { delimiter, record_delimiter: eol === '\n' ? 'unix' : 'windows' });
  }

  ingestInfo(job: IngestJob, version: string): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: '005Fk0000000001AAA',
      createdDate: job.createdDate,
      systemModstamp: new Date().toISOString().replace('Z', '+0000'),
      state: job.state,
      ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
      jobType: 'V2Ingest',
      contentUrl: `services/data/v${version}/jobs/ingest/${job.id}/batches`,
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
      numberRecordsProcessed: job.processed,
      numberRecordsFailed: job.failed.length,
      retries: 0,
      totalProcessingTime: 0,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  }

  createQuery(body: Record<string, unknown>, apiVersion: number): QueryJob | RecordError {
    const operation = body.operation === 'queryAll' ? 'queryAll' : body.operation === 'query' ? 'query' : undefined;
    if (!operation)
      return {
        statusCode: 'INVALIDJOB',
        message: `InvalidJob : Invalid operation: ${String(body.operation)}`,
        fields: [],
      };
    if (typeof body.query !== 'string')
      return { statusCode: 'INVALIDJOB', message: 'InvalidJob : Missing query', fields: [] };
    let parsed: ReturnType<typeof parseSoql>;
    try {
      parsed = parseSoql(body.query);
    } catch (e) {
      return { statusCode: 'MALFORMED_QUERY', message: (e as Error).message, fields: [] };
    }
    const job: QueryJob = {
      id: `750Fq${(++this.counter).toString(36).padStart(13, '0')}`,
      operation,
      query: body.query,
      state: 'UploadComplete',
      createdDate: new Date().toISOString().replace('Z', '+0000'),
      apiVersion,
      columns: parsed.fields,
      rows: [],
      end: this.takeEnd('query'),
    };
    this.queryJobs.set(job.id, job);
    this.later(() => {
      if (job.state !== 'UploadComplete') return;
      job.state = 'InProgress';
      this.later(() => {
        if (job.state !== 'InProgress') return;
        if (job.end) {
          job.state = job.end.state;
          return;
        }
        const rows = runSoql(parsed, this.store.all(parsed.object, operation === 'queryAll'));
        job.rows = rows.map((r) => project(r, parsed.object, parsed.fields, String(apiVersion)));
        job.state = 'JobComplete';
      });
    });
    return job;
  }

  queryInfo(job: QueryJob): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: parseSoql(job.query).object,
      createdById: '005Fk0000000001AAA',
      createdDate: job.createdDate,
      systemModstamp: new Date().toISOString().replace('Z', '+0000'),
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
      jobType: 'V2Query',
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      numberRecordsProcessed: job.state === 'JobComplete' ? job.rows.length : 0,
      retries: 0,
      totalProcessingTime: 0,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  }

  /** One page of a query job's results and the locator of the next (`null` at the end). */
  queryPage(
    job: QueryJob,
    locator: string | null,
    maxRecords: number,
  ): { csv: string; locator: string; count: number } {
    const start = locator ? Number.parseInt(Buffer.from(locator, 'base64url').toString('utf8'), 10) || 0 : 0;
    const page = job.rows.slice(start, start + maxRecords);
    const next =
      start + page.length < job.rows.length ? Buffer.from(String(start + page.length)).toString('base64url') : 'null';
    const csv = stringify([job.columns, ...page.map((r) => job.columns.map((c) => csvValue(r[c])))]);
    return { csv, locator: next, count: page.length };
  }

  /** Stops pending state changes (server close). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.stepMs);
    this.timers.add(t);
  }
}

function csvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
