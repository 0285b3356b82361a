import type { SalesforceTransport } from './transport.js';
import type { CallOptions, SaveResult } from './types.js';
import { sleep } from '@relaykit/sdk-core';

/** Options of a collection write. */
export interface CollectionOptions extends CallOptions {
  /** Roll back a whole chunk (≤ 200 records) when one record fails. Default false. */
  allOrNone?: boolean | undefined;
  /** Chunks in flight at once. Default: the client's `concurrency` (6). */
  concurrency?: number | undefined;
  /** Re-sends of rows that failed with `UNABLE_TO_LOCK_ROW`. Default: the client's `lockRowRetries` (5). */
  lockRowRetries?: number | undefined;
  /** Called after each chunk settles with the count of records done so far. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** The collection operations. */
export type CollectionOperation = 'create' | 'update' | 'upsert' | 'delete';

const CHUNK = 200;
const LOCK = 'UNABLE_TO_LOCK_ROW';
const ROLLED_BACK = 'ALL_OR_NONE_OPERATION_ROLLED_BACK';

/**
 * Writes any number of records through sObject Collections: chunks of 200 sent with bounded
 * parallelism, results in input order, and only the rows that failed with `UNABLE_TO_LOCK_ROW`
 * re-sent (with back-off and jitter). For `delete`, `items` are ids.
 */
export async function runCollection(
  client: SalesforceTransport,
  operation: CollectionOperation,
  sobject: string,
  items: ReadonlyArray<Record<string, unknown> | string>,
  options: CollectionOptions & { externalIdField?: string | undefined } = {},
): Promise<SaveResult[]> {
  const results: SaveResult[] = new Array(items.length);
  const chunks: number[][] = [];
  for (let i = 0; i < items.length; i += CHUNK)
    chunks.push(Array.from({ length: Math.min(CHUNK, items.length - i) }, (_, k) => i + k));
  const concurrency = Math.max(1, options.concurrency ?? client.options.concurrency ?? 6);
  const retries = options.lockRowRetries ?? client.options.lockRowRetries ?? 5;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      await sendWithLockRetries(client, operation, sobject, items, chunk, results, options, retries);
      done += chunk.length;
      options.onProgress?.(done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return results;
}

async function sendWithLockRetries(
  client: SalesforceTransport,
  operation: CollectionOperation,
  sobject: string,
  items: ReadonlyArray<Record<string, unknown> | string>,
  indexes: number[],
  results: SaveResult[],
  options: CollectionOptions & { externalIdField?: string | undefined },
  retries: number,
): Promise<void> {
  let pending = indexes;
  for (let attempt = 0; ; attempt++) {
    const answer = await sendChunk(
      client,
      operation,
      sobject,
      pending.map((i) => items[i]!),
      options,
    );
    const again: number[] = [];
    const locked = answer.filter((r) => isLock(r)).length;
    // With allOrNone a lock failure rolls back the innocent rows too: re-send the whole chunk then.
    const wholeChunkRetry =
      options.allOrNone === true && locked > 0 && answer.every((r) => r.success || isLock(r) || isRolledBack(r));
    answer.forEach((r, k) => {
      const index = pending[k]!;
      if (attempt < retries && (isLock(r) || (wholeChunkRetry && isRolledBack(r)))) again.push(index);
      else results[index] = r;
    });
    if (again.length === 0) return;
    pending = again;
    await sleep(Math.min(5_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2), options.signal);
  }
}

async function sendChunk(
  client: SalesforceTransport,
  operation: CollectionOperation,
  sobject: string,
  batch: Array<Record<string, unknown> | string>,
  options: CollectionOptions & { externalIdField?: string | undefined },
): Promise<SaveResult[]> {
  const allOrNone = options.allOrNone === true;
  const common = { ...(options.signal ? { signal: options.signal } : {}), ...(options.urgent ? { urgent: true } : {}) };
  const records = () => (batch as Array<Record<string, unknown>>).map((r) => ({ ...r, attributes: { type: sobject } }));
  let res: Awaited<ReturnType<typeof client.send<SaveResult[]>>>;
  switch (operation) {
    case 'create':
      // A plain create is never replayed by the policy: a lost answer could otherwise duplicate records.
      res = await client.send<SaveResult[]>({
        method: 'POST',
        path: '/composite/sobjects',
        route: '/composite/sobjects',
        json: { allOrNone, records: records() },
        ...common,
      });
      break;
    case 'update':
      res = await client.send<SaveResult[]>({
        method: 'PATCH',
        path: '/composite/sobjects',
        route: '/composite/sobjects',
        json: { allOrNone, records: records() },
        idempotent: true,
        ...common,
      });
      break;
    case 'upsert': {
      const field = options.externalIdField;
      if (!field) throw new TypeError('upsert needs externalIdField');
      res = await client.send<SaveResult[]>({
        method: 'PATCH',
        path: `/composite/sobjects/${encodeURIComponent(sobject)}/${encodeURIComponent(field)}`,
        route: '/composite/sobjects/:type/:field',
        json: { allOrNone, records: records() },
        idempotent: true,
        ...common,
      });
      break;
    }
    case 'delete':
      res = await client.send<SaveResult[]>({
        method: 'DELETE',
        path: '/composite/sobjects',
        route: '/composite/sobjects',
        query: { ids: (batch as string[]).join(','), allOrNone },
        ...common,
      });
      break;
  }
  const body = Array.isArray(res.body) ? res.body : [];
  if (body.length !== batch.length)
    throw new TypeError(`Salesforce answered ${body.length} results for ${batch.length} records`);
  return body.map((r) => ({
    ...(r.id ? { id: r.id } : {}),
    success: r.success === true,
    ...(r.created !== undefined ? { created: r.created } : {}),
    errors: r.errors ?? [],
  }));
}

function isLock(r: SaveResult): boolean {
  return !r.success && r.errors.some((e) => e.statusCode === LOCK);
}

function isRolledBack(r: SaveResult): boolean {
  return !r.success && r.errors.every((e) => e.statusCode === ROLLED_BACK);
}
