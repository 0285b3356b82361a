import { MemoryCheckpointStore, runIncrementalSync } from '@relaykit/sdk-core';
import type { MahakClient } from '../client/client.js';
import type { SaveRowResult } from '../client/types.js';
import { ENTITIES, keysOf, type EntityName } from '../entities/catalogue.js';
import { toInt64 } from '../entities/scalars.js';
import { describeMahakRecord } from '../sync/sync.js';

/** A row to save: its ClientId and the camelCase row itself. */
export interface RowToSave {
  clientId: bigint;
  row: unknown;
}

/** Per entity, the result of each row by its position in the input (undefined: Mahak answered nothing for it). */
export type VerifiedResults = Partial<Record<EntityName, Array<SaveRowResult | undefined>>>;

/**
 * Saves rows through SaveAllData so that each is created at most once, whether or not the server de-duplicates
 * ClientIds: after an ambiguous failure (the server may have saved), the rows' ClientIds are looked up with
 * GetAllData before anything is sent again, and only rows not found are re-sent. The look-up reads the entity from the
 * highest RowVersion the client had seen for it before the first attempt (every record created since has a higher
 * one), or from the start when it had seen none.
 */
export async function saveVerified(
  client: MahakClient,
  rows: Partial<Record<EntityName, RowToSave[]>>,
  signal: AbortSignal | undefined,
): Promise<VerifiedResults> {
  const entities = Object.keys(rows) as EntityName[];
  const floors = new Map(entities.map((e) => [e, client.knownRowVersion(e) ?? 0n]));
  const found = new Map<EntityName, Map<bigint, SaveRowResult>>(entities.map((e) => [e, new Map()]));
  // Positions in the input of the rows the last attempt sent, per entity.
  let sent = new Map<EntityName, number[]>();

  const build = (): Record<string, unknown[]> | undefined => {
    sent = new Map();
    const body: Record<string, unknown[]> = {};
    let any = false;
    for (const entity of entities) {
      const positions: number[] = [];
      const list: unknown[] = [];
      rows[entity]!.forEach((r, i) => {
        if (found.get(entity)!.has(r.clientId)) return;
        positions.push(i);
        list.push(r.row);
      });
      sent.set(entity, positions);
      body[ENTITIES[entity].saveKey] = list;
      any ||= list.length > 0;
    }
    return any ? body : undefined;
  };

  const reconcile = async (signal: AbortSignal | undefined): Promise<void> => {
    for (const entity of entities) {
      const wanted = new Set(rows[entity]!.map((r) => r.clientId).filter((id) => !found.get(entity)!.has(id)));
      if (wanted.size === 0) continue;
      for (const [clientId, result] of await lookUpClientIds(client, entity, wanted, floors.get(entity)!, signal))
        found.get(entity)!.set(clientId, result);
    }
  };

  const answer = await client.saveAllData(build, { signal, reconcile });
  const out: VerifiedResults = {};
  for (const entity of entities) {
    const results: Array<SaveRowResult | undefined> = rows[entity]!.map((r, i) => {
      const hit = found.get(entity)!.get(r.clientId);
      return hit ? { ...hit, index: i } : undefined;
    });
    const positions = sent.get(entity) ?? [];
    for (const r of answer[entity] ?? []) {
      const position = positions[r.index];
      if (position !== undefined && results[position] === undefined) results[position] = { ...r, index: position };
    }
    out[entity] = results;
  }
  return out;
}

/**
 * Finds the records of `entity` carrying the given ClientIds, reading every record with RowVersion > `from` (deleted
 * ones included: a record that exists, even deleted, must not be created again). Reads through sdk-core's sync
 * engine, so a server that pages, splits ties, or ignores paging is read completely.
 */
export async function lookUpClientIds(
  client: MahakClient,
  entity: EntityName,
  clientIds: ReadonlySet<bigint>,
  from: bigint,
  signal: AbortSignal | undefined,
): Promise<Map<bigint, SaveRowResult>> {
  const k = keysOf(entity);
  const hits = new Map<bigint, SaveRowResult>();
  const checkpoints = new MemoryCheckpointStore();
  if (from > 0n) await checkpoints.set('lookup', entity, from);
  const consider = (raw: Record<string, unknown>) => {
    let clientId: bigint;
    try {
      clientId = toInt64(raw[k.clientId]);
    } catch {
      return;
    }
    if (!clientIds.has(clientId)) return;
    hits.set(clientId, {
      index: -1,
      ok: true,
      entityId: toInt64(raw[k.id]),
      clientId,
      code: raw[k.code] === null || raw[k.code] === undefined ? null : String(raw[k.code]),
      rowVersion: toInt64(raw.RowVersion),
      errors: [],
    });
  };
  await runIncrementalSync<Record<string, unknown>>({
    source: 'lookup',
    entity,
    filter: 'version-exclusive',
    pageSize: 1000,
    checkpoints,
    fetchPage: async ({ fromVersion, limit, signal }) => ({
      records: await client.getEntityPage(entity, fromVersion === undefined ? 0n : BigInt(fromVersion), {
        pageSize: limit,
        signal,
      }),
    }),
    describe: (raw) => describeMahakRecord(entity, raw),
    sink: {
      write: async (batch) => {
        for (const u of batch.upserts) consider(u.data);
        for (const d of batch.deletes) consider(d.raw);
      },
    },
    ...(signal ? { signal } : {}),
  });
  if (signal?.aborted) throw signal.reason;
  return hits;
}
