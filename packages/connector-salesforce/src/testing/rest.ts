import type { BulkEngine } from './bulk.js';
import { parseSoql, project, runSoql, SoqlError } from './soql.js';
import type { OrgStore, RecordError, StoredRecord } from './store.js';

/** What a REST handler answers. */
export interface RestAnswer {
  status: number;
  body?: unknown;
  /** Raw text body (CSV) instead of JSON. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One parsed REST request, after the `/services/data/vXX.X` prefix. */
export interface RestRequest {
  method: string;
  version: string;
  /** Path after the version, e.g. `/sobjects/Contact/Ext__c/42`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
}

interface Cursor {
  rows: Array<Record<string, unknown>>;
  batchSize: number;
}

const err = (status: number, errorCode: string, message: string, fields?: string[]): RestAnswer => ({
  status,
  body: [{ message, errorCode, ...(fields?.length ? { fields } : {}) }],
});

const fromRecordError = (status: number, e: RecordError): RestAnswer => err(status, e.statusCode, e.message, e.fields);

const ROLLED_BACK: RecordError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

/** The org's REST resources: sObjects, collections, composite, query, Bulk 2.0 and limits. */
export class RestApi {
  private readonly cursors = new Map<string, Cursor>();
  private cursorCounter = 0;

  constructor(
    private readonly store: OrgStore,
    readonly bulk: BulkEngine,
    private readonly limits: () => { used: number; max: number },
  ) {}

  handle(req: RestRequest): RestAnswer {
    let body: unknown;
    if (req.rawBody && !isCsv(req.headers)) {
      try {
        body = JSON.parse(req.rawBody);
      } catch (e) {
        return err(400, 'JSON_PARSER_ERROR', `Unexpected character: ${(e as Error).message}`);
      }
    }
    const seg = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    const [root] = seg;
    const m = req.method;
    if (seg.length === 0 && m === 'GET')
      return {
        status: 200,
        body: {
          sobjects: `/services/data/v${req.version}/sobjects`,
          query: `/services/data/v${req.version}/query`,
          limits: `/services/data/v${req.version}/limits`,
          composite: `/services/data/v${req.version}/composite`,
        },
      };
    switch (root) {
      case 'limits':
        if (m !== 'GET') break;
        return { status: 200, body: this.limitsBody() };
      case 'sobjects':
        return this.sobjects(m, seg.slice(1), req, body);
      case 'composite':
        if (seg[1] === 'sobjects') return this.collections(m, seg.slice(2), req, body);
        if (seg.length === 1 && m === 'POST') return this.composite(req, body);
        break;
      case 'query':
      case 'queryAll':
        if (m !== 'GET') break;
        return this.query(root, seg[1], req);
      case 'jobs':
        return this.jobs(m, seg.slice(1), req, body);
    }
    return err(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  private limitsBody(): Record<string, unknown> {
    const { used, max } = this.limits();
    return {
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 - this.bulk.queryJobs.size },
      DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 - this.bulk.ingestJobs.size },
      DataStorageMB: { Max: 1024, Remaining: 1000 },
      ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
    };
  }

  // ---- sObjects -------------------------------------------------------------------------------

  private sobjects(m: string, seg: string[], req: RestRequest, body: unknown): RestAnswer {
    const [type, a, b] = seg;
    if (!type)
      return m === 'GET'
        ? { status: 200, body: { encoding: 'UTF-8', maxBatchSize: 200, sobjects: [] } }
        : err(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${m}' not allowed. Allowed are GET`);
    const fields = isObject(body) ? stripAttributes(body) : {};
    if (seg.length === 1) {
      if (m === 'POST') {
        if ('Id' in fields)
          return err(
            400,
            'INVALID_FIELD_FOR_INSERT_UPDATE',
            'Unable to create/update fields: Id. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
            ['Id'],
          );
        const plan = this.store.planCreate(type, fields, 'sobject');
        if (!plan.ok) return fromRecordError(400, plan.error);
        const rec = plan.commit();
        return {
          status: 201,
          body: { id: rec.Id, success: true, errors: [] },
          headers: { location: `/services/data/v${req.version}/sobjects/${type}/${rec.Id}` },
        };
      }
      if (m === 'GET')
        return {
          status: 200,
          body: { objectDescribe: { name: type, label: type, createable: true, updateable: true }, recentItems: [] },
        };
      return err(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${m}' not allowed. Allowed are GET,POST`);
    }
    if (seg.length === 2 && a) {
      if (a === 'describe' && m === 'GET')
        return { status: 200, body: { name: type, fields: [{ name: 'Id', type: 'id' }], createable: true } };
      const existing = this.store.get(type, a);
      if (m === 'GET') {
        if (!existing) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
        const wanted = req.query.get('fields');
        return {
          status: 200,
          body: project(
            existing,
            type,
            wanted ? wanted.split(',').map((f) => f.trim()) : visibleFields(existing),
            req.version,
          ),
        };
      }
      if (m === 'PATCH') {
        if (!existing) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
        const plan = this.store.planUpdate(type, a, fields, 'sobject');
        if (!plan.ok) return fromRecordError(400, plan.error);
        plan.commit();
        return { status: 204 };
      }
      if (m === 'DELETE') {
        const plan = this.store.planDelete(a, 'sobject', type);
        if (!plan.ok)
          return plan.error.statusCode === 'UNABLE_TO_LOCK_ROW'
            ? fromRecordError(400, plan.error)
            : err(404, plan.error.statusCode, plan.error.message);
        plan.commit();
        return { status: 204 };
      }
      return err(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${m}' not allowed. Allowed are HEAD,GET,PATCH,DELETE`);
    }
    if (seg.length === 3 && a && b !== undefined) return this.byExternalId(m, type, a, b, req, fields);
    return err(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  private byExternalId(
    m: string,
    type: string,
    rawField: string,
    value: string,
    req: RestRequest,
    fields: Record<string, unknown>,
  ): RestAnswer {
    if (!this.store.isExternalIdField(type, rawField))
      return err(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${rawField}`);
    const field = this.store.canonicalField(type, rawField);
    const matches = this.store.match(type, field, value);
    if (m === 'GET' || m === 'DELETE') {
      if (matches.length > 1)
        return { status: 300, body: matches.map((id) => `/services/data/v${req.version}/sobjects/${type}/${id}`) };
      const rec = matches[0] ? this.store.get(type, matches[0]) : undefined;
      if (!rec) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (m === 'GET') return { status: 200, body: project(rec, type, visibleFields(rec), req.version) };
      const plan = this.store.planDelete(rec.Id, 'sobject', type);
      if (!plan.ok) return fromRecordError(400, plan.error);
      plan.commit();
      return { status: 204 };
    }
    if (m !== 'PATCH' && m !== 'POST')
      return err(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${m}' not allowed. Allowed are GET,PATCH,DELETE`);
    if ('Id' in fields)
      return err(400, 'INVALID_FIELD', 'Id is not a valid field for upsert by external id: remove it from the body', [
        'Id',
      ]);
    const inBody = Object.keys(fields).find((k) => k.toLowerCase() === field.toLowerCase());
    if (inBody !== undefined) {
      if (String(fields[inBody]) !== value)
        return err(400, 'INVALID_FIELD', `The value of ${field} in the body does not match the URL`, [field]);
      delete fields[inBody];
    }
    if (matches.length === 0 && req.query.get('updateOnly') === 'true')
      return err(404, 'NOT_FOUND', 'The requested resource does not exist');
    const plan = this.store.planUpsert(type, field, value, fields, 'upsert');
    if (!plan.ok) {
      if (plan.matches)
        return { status: 300, body: plan.matches.map((id) => `/services/data/v${req.version}/sobjects/${type}/${id}`) };
      return fromRecordError(400, plan.error);
    }
    const { record, created } = plan.commit();
    if (created)
      return {
        status: 201,
        body: { id: record.Id, success: true, errors: [], created: true },
        headers: { location: `/services/data/v${req.version}/sobjects/${type}/${record.Id}` },
      };
    if (Number(req.version) < 46) return { status: 204 };
    return {
      status: 200,
      body: { id: record.Id, success: true, errors: [], created: false },
      headers: { location: `/services/data/v${req.version}/sobjects/${type}/${record.Id}` },
    };
  }

  // ---- sObject Collections ----------------------------------------------------------------------

  private collections(m: string, seg: string[], req: RestRequest, body: unknown): RestAnswer {
    if (m === 'DELETE') {
      const ids = (req.query.get('ids') ?? '').split(',').filter(Boolean);
      if (ids.length > 200)
        return err(
          400,
          'EXCEEDED_ID_LIMIT',
          'record limit reached. cannot submit more than 200 records into this call',
        );
      const allOrNone = req.query.get('allOrNone') === 'true';
      return this.runCollection(
        ids.map((id) => () => {
          const p = this.store.planDelete(id, 'collections');
          return p.ok
            ? { ok: true as const, commit: () => ({ id: p.commit() }) }
            : { ok: false as const, error: p.error, id };
        }),
        allOrNone,
      );
    }
    if (!isObject(body) || !Array.isArray(body.records))
      return err(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of collection request: "records" is required');
    const records = body.records as unknown[];
    if (records.length > 200)
      return err(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
    const allOrNone = body.allOrNone === true;
    if (m === 'POST' && seg.length === 0) {
      return this.runCollection(
        records.map((r) => () => {
          const type = typeOf(r);
          if (!type)
            return {
              ok: false as const,
              error: { statusCode: 'INVALID_TYPE', message: 'Must send a concrete entity type.', fields: [] },
            };
          const fields = stripAttributes(r as Record<string, unknown>);
          if ('Id' in fields || 'id' in fields)
            return {
              ok: false as const,
              error: {
                statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
                message: 'cannot specify Id in an insert call',
                fields: ['Id'],
              },
            };
          const p = this.store.planCreate(type, fields, 'collections');
          return p.ok ? { ok: true as const, commit: () => ({ id: p.commit().Id }) } : p;
        }),
        allOrNone,
      );
    }
    if (m === 'PATCH' && seg.length === 0) {
      return this.runCollection(
        records.map((r) => () => {
          const type = typeOf(r);
          const fields = stripAttributes(r as Record<string, unknown>);
          const id = String(fields.Id ?? fields.id ?? '');
          delete fields.Id;
          delete fields.id;
          if (!type)
            return {
              ok: false as const,
              error: { statusCode: 'INVALID_TYPE', message: 'Must send a concrete entity type.', fields: [] },
              id,
            };
          if (!id)
            return {
              ok: false as const,
              error: { statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] },
            };
          const p = this.store.planUpdate(type, id, fields, 'collections');
          return p.ok ? { ok: true as const, commit: () => ({ id: p.commit().Id }) } : { ...p, id };
        }),
        allOrNone,
      );
    }
    if (m === 'PATCH' && seg.length === 2) {
      const [type, rawField] = seg as [string, string];
      if (!this.store.isExternalIdField(type, rawField))
        return err(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${rawField}`);
      const field = this.store.canonicalField(type, rawField);
      const externalIdOf = (r: unknown) => {
        const rec = isObject(r) ? r : {};
        const key = Object.keys(rec).find((k) => k.toLowerCase() === field.toLowerCase());
        return key === undefined || rec[key] === null || rec[key] === undefined ? undefined : String(rec[key]);
      };
      const seen = new Map<string, number>();
      for (const r of records) {
        const v = externalIdOf(r);
        if (v !== undefined) seen.set(v, (seen.get(v) ?? 0) + 1);
      }
      return this.runCollection(
        records.map((r) => () => {
          const rtype = typeOf(r);
          if (rtype && rtype !== type)
            return {
              ok: false as const,
              error: { statusCode: 'INVALID_TYPE', message: `Record type ${rtype} does not match ${type}`, fields: [] },
            };
          const value = externalIdOf(r);
          if (value === undefined)
            return {
              ok: false as const,
              error: { statusCode: 'MISSING_ARGUMENT', message: `${field} not specified`, fields: [field] },
            };
          if ((seen.get(value) ?? 0) > 1)
            return {
              ok: false as const,
              error: {
                statusCode: 'DUPLICATE_EXTERNAL_ID',
                message: `Duplicate external id specified: ${value}`,
                fields: [field],
              },
            };
          const fields = stripAttributes(r as Record<string, unknown>);
          for (const k of Object.keys(fields))
            if (k.toLowerCase() === field.toLowerCase() || k === 'Id') delete fields[k];
          const p = this.store.planUpsert(type, field, value, fields, 'collections');
          if (!p.ok) {
            if (p.matches)
              return {
                ok: false as const,
                error: {
                  statusCode: 'DUPLICATE_EXTERNAL_ID',
                  message: `${field}: more than one record found for external id field: [${p.matches.join(', ')}]`,
                  fields: [field],
                },
              };
            return p;
          }
          return {
            ok: true as const,
            commit: () => {
              const c = p.commit();
              return { id: c.record.Id, created: c.created };
            },
          };
        }),
        allOrNone,
      );
    }
    return err(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  /** Plans every record; with allOrNone commits only when all are valid, else commits each valid one. */
  private runCollection(
    planners: Array<
      () =>
        | { ok: true; commit: () => { id: string; created?: boolean } }
        | { ok: false; error: RecordError; id?: string }
    >,
    allOrNone: boolean,
  ): RestAnswer {
    type Row = { id?: string; success: boolean; errors: RecordError[]; created?: boolean };
    const failure = (e: RecordError, id?: string): Row => ({ ...(id ? { id } : {}), success: false, errors: [e] });
    const success = (r: { id: string; created?: boolean }): Row => ({
      id: r.id,
      success: true,
      errors: [],
      ...(r.created !== undefined ? { created: r.created } : {}),
    });
    if (!allOrNone)
      return {
        status: 200,
        body: planners.map((plan) => {
          const p = plan();
          return p.ok ? success(p.commit()) : failure(p.error, p.id);
        }),
      };
    const plans = planners.map((plan) => plan());
    if (plans.every((p) => p.ok))
      return {
        status: 200,
        body: plans.map((p) => success((p as { commit: () => { id: string; created?: boolean } }).commit())),
      };
    return { status: 200, body: plans.map((p) => (p.ok ? failure(ROLLED_BACK) : failure(p.error, p.id))) };
  }

  // ---- Composite --------------------------------------------------------------------------------

  private composite(_req: RestRequest, body: unknown): RestAnswer {
    if (!isObject(body) || !Array.isArray(body.compositeRequest))
      return err(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
    const subs = body.compositeRequest as Array<Record<string, unknown>>;
    if (subs.length > 25) return err(400, 'LIMIT_EXCEEDED', 'Composite request limited to 25 subrequests');
    const allOrNone = body.allOrNone === true;
    const results = new Map<string, { status: number; body: unknown }>();
    const out: Array<{
      body: unknown;
      httpHeaders: Record<string, string>;
      httpStatusCode: number;
      referenceId: string;
    }> = [];
    const halted = (
      referenceId: string,
      message = 'The transaction was rolled back since another operation in the same transaction failed.',
    ) => ({ body: [{ errorCode: 'PROCESSING_HALTED', message }], httpHeaders: {}, httpStatusCode: 400, referenceId });
    if (allOrNone) this.store.begin();
    let failedAt = -1;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i]!;
      const referenceId = String(sub.referenceId ?? `ref${i}`);
      let url: string, subBody: unknown;
      try {
        url = resolveRefs(String(sub.url ?? ''), results, true) as string;
        subBody = sub.body === undefined ? undefined : resolveRefs(sub.body, results, false);
      } catch (e) {
        out.push(halted(referenceId, (e as Error).message));
        if (allOrNone) {
          failedAt = i;
          break;
        }
        continue;
      }
      const parsed = /^\/services\/data\/v(\d+\.\d)(\/[^?]*)(?:\?(.*))?$/.exec(url);
      const answer = parsed
        ? this.handle({
            method: String(sub.method ?? 'GET').toUpperCase(),
            version: parsed[1]!,
            path: parsed[2]!,
            query: new URLSearchParams(parsed[3] ?? ''),
            headers: { 'content-type': 'application/json' },
            rawBody: subBody === undefined ? '' : JSON.stringify(subBody),
          })
        : err(400, 'INVALID_URL', `Invalid subrequest url: ${url}`);
      if (parsed && /^\/(composite|jobs)/.test(parsed[2]!))
        Object.assign(answer, err(400, 'INVALID_URL', 'Composite subrequests cannot call composite or Bulk resources'));
      results.set(referenceId, { status: answer.status, body: answer.body });
      out.push({
        body: answer.body ?? null,
        httpHeaders: answer.headers?.location ? { Location: answer.headers.location } : {},
        httpStatusCode: answer.status,
        referenceId,
      });
      if (allOrNone && answer.status >= 400) {
        failedAt = i;
        break;
      }
    }
    if (allOrNone && failedAt >= 0) {
      this.store.rollback();
      const final = subs.map((sub, i) => (i === failedAt ? out[i]! : halted(String(sub.referenceId ?? `ref${i}`))));
      return { status: 200, body: { compositeResponse: final } };
    }
    if (allOrNone) this.store.commitTransaction();
    return { status: 200, body: { compositeResponse: out } };
  }

  // ---- Query ------------------------------------------------------------------------------------

  private query(kind: 'query' | 'queryAll', locator: string | undefined, req: RestRequest): RestAnswer {
    if (locator) {
      const m = /^(.+)-(\d+)$/.exec(locator);
      const cursor = m ? this.cursors.get(m[1]!) : undefined;
      if (!m || !cursor) return err(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      return { status: 200, body: this.page(m[1]!, cursor, Number(m[2]), req.version) };
    }
    const q = req.query.get('q');
    if (!q) return err(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    let parsed: ReturnType<typeof parseSoql>;
    try {
      parsed = parseSoql(q);
    } catch (e) {
      return err(400, 'MALFORMED_QUERY', e instanceof SoqlError ? e.message : String(e));
    }
    const rows = runSoql(parsed, this.store.all(parsed.object, kind === 'queryAll'));
    if (parsed.count) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
    const options = headerValue(req.headers, 'sforce-query-options') ?? '';
    const requested = /batchSize\s*=\s*(\d+)/i.exec(options);
    const batchSize = requested ? Math.min(2000, Math.max(200, Number(requested[1]))) : 2000;
    const cursor: Cursor = { rows: rows.map((r) => project(r, parsed.object, parsed.fields, req.version)), batchSize };
    const id = `01gFk${(++this.cursorCounter).toString(36).padStart(10, '0')}`;
    if (cursor.rows.length > batchSize) this.cursors.set(id, cursor);
    return { status: 200, body: this.page(id, cursor, 0, req.version) };
  }

  private page(id: string, cursor: Cursor, offset: number, version: string): Record<string, unknown> {
    const records = cursor.rows.slice(offset, offset + cursor.batchSize);
    const next = offset + records.length;
    const done = next >= cursor.rows.length;
    if (done) this.cursors.delete(id);
    return {
      totalSize: cursor.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${id}-${next}` }),
      records,
    };
  }

  // ---- Bulk API 2.0 -----------------------------------------------------------------------------

  private jobs(m: string, seg: string[], req: RestRequest, body: unknown): RestAnswer {
    const [kind, id, sub] = seg;
    const version = Number(req.version);
    if (kind === 'ingest') {
      if (!id) {
        if (m === 'POST') {
          const job = this.bulk.createIngest(isObject(body) ? body : {}, version);
          return 'statusCode' in job
            ? fromRecordError(400, job)
            : { status: 200, body: this.bulk.ingestInfo(job, req.version) };
        }
        if (m === 'GET')
          return {
            status: 200,
            body: {
              done: true,
              records: [...this.bulk.ingestJobs.values()].map((j) => this.bulk.ingestInfo(j, req.version)),
              nextRecordsUrl: null,
            },
          };
        return err(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${m}' not allowed`);
      }
      const job = this.bulk.ingestJobs.get(id);
      if (!job) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (!sub) {
        if (m === 'GET') return { status: 200, body: this.bulk.ingestInfo(job, req.version) };
        if (m === 'PATCH') {
          const e = this.bulk.changeState(job, isObject(body) ? String(body.state) : '');
          return e ? fromRecordError(400, e) : { status: 200, body: this.bulk.ingestInfo(job, req.version) };
        }
        if (m === 'DELETE') {
          if (job.state !== 'JobComplete' && job.state !== 'Failed' && job.state !== 'Aborted')
            return err(400, 'INVALIDJOBSTATE', 'Only completed, failed or aborted jobs can be deleted');
          this.bulk.ingestJobs.delete(id);
          return { status: 204 };
        }
      }
      if (sub === 'batches' && m === 'PUT') {
        const e = this.bulk.upload(job, req.rawBody);
        return e ? fromRecordError(e.statusCode === 'INVALIDJOBSTATE' ? 409 : 400, e) : { status: 201 };
      }
      if ((sub === 'successfulResults' || sub === 'failedResults' || sub === 'unprocessedrecords') && m === 'GET') {
        if (job.state !== 'JobComplete' && job.state !== 'Failed' && job.state !== 'Aborted')
          return err(400, 'INVALIDJOBSTATE', `Job ${id} is not complete`);
        return { status: 200, text: this.bulk.results(job, sub), contentType: 'text/csv' };
      }
      return err(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    if (kind === 'query') {
      if (!id) {
        if (m !== 'POST') return err(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${m}' not allowed`);
        const job = this.bulk.createQuery(isObject(body) ? body : {}, version);
        return 'statusCode' in job ? fromRecordError(400, job) : { status: 200, body: this.bulk.queryInfo(job) };
      }
      const job = this.bulk.queryJobs.get(id);
      if (!job) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (!sub && m === 'GET') return { status: 200, body: this.bulk.queryInfo(job) };
      if (!sub && m === 'PATCH') {
        job.state = 'Aborted';
        return { status: 200, body: this.bulk.queryInfo(job) };
      }
      if (!sub && m === 'DELETE') {
        this.bulk.queryJobs.delete(id);
        return { status: 204 };
      }
      if (sub === 'results' && m === 'GET') {
        if (job.state !== 'JobComplete') return err(400, 'INVALIDJOBSTATE', `Job ${id} is not complete`);
        const max = Number(req.query.get('maxRecords') ?? '') || 50000;
        const page = this.bulk.queryPage(job, req.query.get('locator'), max);
        return {
          status: 200,
          text: page.csv,
          contentType: 'text/csv',
          headers: { 'sforce-locator': page.locator, 'sforce-numberofrecords': String(page.count) },
        };
      }
    }
    return err(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCsv(headers: Record<string, string | string[] | undefined>): boolean {
  return /text\/csv/i.test(headerValue(headers, 'content-type') ?? '');
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function typeOf(r: unknown): string | undefined {
  if (!isObject(r) || !isObject(r.attributes)) return undefined;
  return typeof r.attributes.type === 'string' ? r.attributes.type : undefined;
}

function stripAttributes(r: Record<string, unknown>): Record<string, unknown> {
  const { attributes: _a, ...rest } = r;
  return rest;
}

function visibleFields(r: StoredRecord): string[] {
  return Object.keys(r);
}

/** Replaces `@{ref.path}` in a subrequest's url or body with values from earlier answers. */
function resolveRefs(value: unknown, results: Map<string, { status: number; body: unknown }>, inUrl: boolean): unknown {
  if (typeof value === 'string') {
    const whole = /^@\{([^}]+)\}$/.exec(value);
    if (whole && !inUrl) return lookup(whole[1]!, results);
    return value.replace(/@\{([^}]+)\}/g, (_, expr: string) => {
      const v = lookup(expr, results);
      return inUrl ? encodeURIComponent(String(v)) : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, results, inUrl));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, results, inUrl)]));
  return value;
}

function lookup(expr: string, results: Map<string, { status: number; body: unknown }>): unknown {
  const [ref, ...path] = expr.split('.');
  const answer = results.get(ref!);
  if (!answer || answer.status >= 400)
    throw new Error(
      `Invalid reference specified. No value for ${expr} found in ${ref}. Provided referenceId ensure the subrequest succeeded.`,
    );
  let cur: unknown = answer.body;
  for (const part of path) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`Invalid reference specified: ${expr}`);
    cur = isObject(cur) ? cur[m[1]!] : undefined;
    for (const idx of m[2]!.match(/\d+/g) ?? []) cur = Array.isArray(cur) ? cur[Number(idx)] : undefined;
  }
  if (cur === undefined) throw new Error(`Invalid reference specified. No value for ${expr} found in ${ref}.`);
  return cur;
}
