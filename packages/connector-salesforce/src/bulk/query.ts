import { parse } from 'csv-parse/sync';
import type { SalesforceTransport } from '../client/transport.js';
import type { CallOptions } from '../client/types.js';
import { SalesforceBulkJobError } from '../errors/index.js';
import { pollJob, type PollOptions } from './ingest.js';

/** Options of {@link bulkQuery}. */
export interface BulkQueryOptions extends CallOptions {
  /** Include deleted and archived rows (`queryAll`). */
  includeDeleted?: boolean | undefined;
  /** Rows per results page (`maxRecords`). Default: Salesforce's choice. */
  maxRecords?: number | undefined;
  poll?: PollOptions | undefined;
}

/**
 * Runs a Bulk API 2.0 query job and yields its rows (CSV parsed with csv-parse; values are
 * strings, empty for null), following `Sforce-Locator` until it is the string `null`.
 */
export async function* bulkQuery(
  client: SalesforceTransport,
  soql: string,
  options: BulkQueryOptions = {},
): AsyncGenerator<Record<string, string>> {
  const common = { ...(options.signal ? { signal: options.signal } : {}), ...(options.urgent ? { urgent: true } : {}) };
  const created = await client.send<{ id: string }>({
    method: 'POST',
    path: '/jobs/query',
    route: '/jobs/query',
    json: { operation: options.includeDeleted ? 'queryAll' : 'query', query: soql },
    ...common,
  });
  const id = created.body.id;
  const final = await pollJob(client, `/jobs/query/${id}`, options.poll, options.signal);
  if (final.state !== 'JobComplete')
    throw new SalesforceBulkJobError(id, final.state, final.errorMessage, { kind: 'query' });
  let locator: string | undefined;
  for (;;) {
    const res = await client.send<string>({
      method: 'GET',
      path: `/jobs/query/${id}/results`,
      route: '/jobs/query/:id/results',
      query: { ...(locator ? { locator } : {}), ...(options.maxRecords ? { maxRecords: options.maxRecords } : {}) },
      headers: { accept: 'text/csv' },
      responseType: 'text',
      ...common,
    });
    if (res.body)
      yield* parse(res.body, { columns: true, skip_empty_lines: true, bom: true }) as Array<Record<string, string>>;
    const next = res.headers['sforce-locator'];
    locator = Array.isArray(next) ? next[0] : next;
    if (!locator || locator === 'null') return;
  }
}
