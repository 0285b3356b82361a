import type { SalesforceTransport } from './transport.js';
import type { CallOptions, SObjectRecord } from './types.js';

/** Options of a SOQL query. */
export interface QueryOptions extends CallOptions {
  /** Records per page (`Sforce-Query-Options: batchSize=N`, 200..2000; pages may be smaller). */
  batchSize?: number | undefined;
  /** Include deleted and archived rows (`/queryAll`). */
  includeDeleted?: boolean | undefined;
}

/** One page of a query. */
export interface QueryPage<T> {
  totalSize: number;
  done: boolean;
  records: T[];
  /** Where the next page is (rebased onto the gateway), absent on the last page. */
  nextRecordsUrl?: string | undefined;
}

/** Pages of a SOQL query, following `nextRecordsUrl` until `done`. */
export async function* queryPages<T extends SObjectRecord = SObjectRecord>(
  client: SalesforceTransport,
  soql: string,
  options: QueryOptions = {},
): AsyncGenerator<QueryPage<T>> {
  const headers = options.batchSize
    ? { 'sforce-query-options': `batchSize=${Math.min(2000, Math.max(200, Math.floor(options.batchSize)))}` }
    : undefined;
  const common = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.urgent ? { urgent: true } : {}),
    ...(headers ? { headers } : {}),
  };
  let res = await client.send<QueryPage<T>>({
    method: 'GET',
    path: options.includeDeleted ? '/queryAll' : '/query',
    route: options.includeDeleted ? '/queryAll' : '/query',
    query: { q: soql },
    ...common,
  });
  for (;;) {
    const page = res.body;
    client.rebaseRecords(page.records);
    const next = page.nextRecordsUrl;
    yield {
      totalSize: page.totalSize,
      done: page.done,
      records: page.records,
      ...(next ? { nextRecordsUrl: client.rebase(next) } : {}),
    };
    if (page.done || !next) return;
    res = await client.send<QueryPage<T>>({ method: 'GET', path: next, route: '/query/:locator', ...common });
  }
}

/** Every record of a SOQL query, one at a time, fetching pages as it goes. */
export async function* queryRecords<T extends SObjectRecord = SObjectRecord>(
  client: SalesforceTransport,
  soql: string,
  options: QueryOptions = {},
): AsyncGenerator<T> {
  for await (const page of queryPages<T>(client, soql, options)) yield* page.records;
}
