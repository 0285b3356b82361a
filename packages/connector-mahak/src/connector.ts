import {
  MemoryCheckpointStore,
  PostgresCheckpointStore,
  defineConnector,
  operationsFor,
  postgresSqlClient,
  type DeadLetterReplayOutcome,
  type DeadLetterSink,
  type SqlClient,
  type SyncSink,
  type SyncSummary,
} from '@relaykit/sdk-core';
import { z } from 'zod';
import { classifyMahakError, createMahakClassifier } from './client/classify.js';
import { MAHAK_DEFAULT_BASE_URL, MahakClient } from './client/client.js';
import { ENTITY_NAMES, isEntityName, type EntityName } from './entities/catalogue.js';
import { toInt64 } from './entities/scalars.js';
import { pushOrders, pushReceipts, StoreOrder, StoreReceipt } from './push/push.js';
import { mahakRecordFields } from './personal-data.js';
import { mahakPrivacy } from './privacy/index.js';
import { createMahakMemorySink, type MahakMemorySink } from './sink/memory.js';
import { createMahakDeadLetterSink } from './sink/postgres.js';
import { migrateMahakSchema } from './sink/migrations.js';
import { createMahakSink, type RawRecord } from './sink/sql-sink.js';
import { transformRecord, type LocalRow } from './transform/transformer.js';
import { syncMahakEntity } from './sync/sync.js';

const entityEnum = z.enum(ENTITY_NAMES as [EntityName, ...EntityName[]]);

/** Configuration of one Mahak connector instance. */
export const MahakConfig = z.object({
  baseUrl: z.url().default(MAHAK_DEFAULT_BASE_URL),
  userName: z.string().min(1),
  /** Kept in memory only; never logged. */
  password: z.string().min(1),
  /** Mahak database id; a digit string for values above 2^53. */
  databaseId: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]),
  passwordMode: z.enum(['md5', 'plain']).default('md5'),
  v2: z.boolean().default(false),
  authCodes: z.array(z.number().int()).default([401]),
  retryableCodes: z.array(z.number().int()).default([]),
  /** Requests per second allowed to Mahak (shared by every worker when the runtime has Redis). */
  requestsPerSecond: z.number().positive().optional(),
  /** Timeout of one request attempt, ms (default 120 s: whole-entity answers are large). */
  timeoutMs: z.number().int().positive().default(120_000),
  /**
   * Where syncs write: the store's PostgreSQL. Tables are created by the shipped migrations on first use. Without
   * it, syncs write to the runtime's own database (the gateway's PostgreSQL or embedded PGlite) when it has one,
   * else to memory (with a warning: nothing survives a restart).
   */
  postgres: z
    .object({
      url: z.string().min(1),
      schema: z.string().default('public'),
      tablePrefix: z.string().default('mahak_'),
    })
    .optional(),
  /** Records per page (default 1000). */
  pageSize: z.number().int().positive().default(1000),
  /** Offset of Mahak's clock for dates sent without one, minutes (Iran: 210). */
  utcOffsetMinutes: z.number().int().default(0),
  /** ClientId namespace, one per store sharing a Mahak database. */
  clientIdNamespace: z.string().min(1).default('relaykit'),
});
/** Parsed configuration. */
export type MahakConfig = z.output<typeof MahakConfig>;

/** Where an instance's syncs write. */
export type MahakStore =
  | {
      kind: 'sql';
      db: SqlClient;
      owned: boolean;
      checkpoints: PostgresCheckpointStore;
      deadLetter: DeadLetterSink<RawRecord>;
      schema: { schema: string; tablePrefix: string };
    }
  | { kind: 'memory'; checkpoints: MemoryCheckpointStore; sinks: Map<EntityName, MahakMemorySink> };

/** Per-instance state built by `setup`. */
export interface MahakState {
  config: MahakConfig;
  client: MahakClient;
  /** The sync's database (and checkpoints next to the data), or memory. */
  store: MahakStore;
  migrated: Promise<unknown> | undefined;
}

const SyncSummaryOut = z.object({
  entity: z.string(),
  records: z.number(),
  upserts: z.number(),
  deletes: z.number(),
  deadLettered: z.number(),
  pages: z.number(),
  /** The committed RowVersion, as a decimal string. */
  checkpoint: z.string().nullable(),
  aborted: z.boolean(),
  durationMs: z.number(),
});

const summaryOut = (s: SyncSummary): z.input<typeof SyncSummaryOut> => ({
  entity: s.entity,
  records: s.records,
  upserts: s.upserts,
  deletes: s.deletes,
  deadLettered: s.deadLettered,
  pages: s.pages,
  checkpoint: s.checkpoint === undefined ? null : String(s.checkpoint),
  aborted: s.aborted,
  durationMs: s.durationMs,
});

const PushErrorOut = z.object({ property: z.string(), code: z.number(), message: z.string() });
const id = (v: bigint | null) => (v === null ? null : v.toString());

const op = operationsFor<MahakState>();

/** The sink of one entity in the instance's store (its tables migrated first). */
async function sinkOf(state: MahakState, entity: EntityName): Promise<SyncSink<LocalRow, RawRecord>> {
  const { store } = state;
  if (store.kind === 'sql') {
    await (state.migrated ??= migrateMahakSchema(store.db, store.schema).catch((error: unknown) => {
      state.migrated = undefined;
      throw error;
    }));
    return createMahakSink({ db: store.db, entity, checkpoints: store.checkpoints, ...store.schema });
  }
  let memory = store.sinks.get(entity);
  if (!memory) store.sinks.set(entity, (memory = createMahakMemorySink({ checkpoints: store.checkpoints })));
  return memory;
}

async function syncOne(
  ctx: {
    state: MahakState;
    signal: AbortSignal;
    progress(e: Record<string, unknown>): void;
    deadLetters?: DeadLetterSink | undefined;
  },
  entity: EntityName,
  pageSize?: number,
) {
  const { state } = ctx;
  const { store } = state;
  const sink = await sinkOf(state, entity);
  // The runtime's dead-letter store first (the gateway's operators list and replay it), else the store's own table.
  const deadLetter: DeadLetterSink<RawRecord> | undefined =
    (ctx.deadLetters as DeadLetterSink<RawRecord> | undefined) ?? (store.kind === 'sql' ? store.deadLetter : undefined);
  return syncMahakEntity({
    client: state.client,
    entity,
    checkpoints: store.checkpoints,
    signal: ctx.signal,
    sink,
    ...(deadLetter ? { deadLetter } : {}),
    pageSize: pageSize ?? state.config.pageSize,
    utcOffsetMinutes: state.config.utcOffsetMinutes,
    onProgress: (p) =>
      ctx.progress({
        entity,
        records: p.records,
        upserts: p.upserts,
        deletes: p.deletes,
        deadLettered: p.deadLettered,
        recordsPerSecond: p.recordsPerSecond,
      }),
  });
}

/**
 * Where syncs write: `postgres.url` when configured (a pool of the connector's own), else the runtime's database
 * (borrowed: the gateway's PostgreSQL or embedded PGlite), else memory. Checkpoints always live next to the data —
 * in the same database, written in each batch's transaction; in memory for the memory sink, so a restart that loses
 * the rows also forgets how far they went.
 */
function openStore(config: MahakConfig, database: SqlClient | undefined, warn: (message: string) => void): MahakStore {
  const schema = { schema: config.postgres?.schema ?? 'public', tablePrefix: config.postgres?.tablePrefix ?? 'mahak_' };
  const db = config.postgres ? postgresSqlClient({ url: config.postgres.url, max: 4 }) : database;
  if (db) {
    return {
      kind: 'sql',
      db,
      owned: config.postgres !== undefined,
      schema,
      checkpoints: new PostgresCheckpointStore({ db }),
      deadLetter: createMahakDeadLetterSink({ db, ...schema }),
    };
  }
  warn(
    'Mahak syncs write to memory: configure `postgres.url` (or run under a runtime with a database) to keep synced data across restarts',
  );
  return { kind: 'memory', checkpoints: new MemoryCheckpointStore(), sinks: new Map() };
}

/**
 * The Mahak accounting connector: RowVersion sync of Mahak entities into the store's PostgreSQL, and safe pushes of
 * orders and receipts. Use it embedded through `instantiateConnector(mahakConnector, { config })`, or load it in the
 * gateway.
 */
export const mahakConnector = defineConnector({
  name: 'mahak',
  version: '0.1.0',
  description:
    'Mahak accounting (v3 sync API): RowVersion incremental sync into PostgreSQL, and idempotent pushes of orders and receipts.',
  config: MahakConfig,
  setup(ctx): MahakState {
    const config = ctx.config;
    const http = ctx.createHttpClient({
      baseUrl: config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`,
      upstream: 'mahak',
      timeouts: { headersMs: config.timeoutMs, bodyMs: config.timeoutMs },
    });
    const client = new MahakClient({
      baseUrl: config.baseUrl,
      userName: config.userName,
      password: config.password,
      databaseId: config.databaseId,
      passwordMode: config.passwordMode,
      v2: config.v2,
      authCodes: config.authCodes,
      retryableCodes: config.retryableCodes,
      http,
      logger: ctx.logger,
      // Built by the runtime so its breaker shows in the gateway's /readyz and /metrics.
      policy: ctx.createResiliencePolicy({
        name: 'mahak',
        timeoutMs: config.timeoutMs,
        retry: { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 60_000 },
        breaker: { consecutiveFailures: 5, halfOpenAfterMs: 15_000 },
        classify: createMahakClassifier({ retryableCodes: config.retryableCodes }),
      }),
      ...(config.requestsPerSecond
        ? {
            rateLimiter: ctx.createRateLimiter('mahak', [{ limit: config.requestsPerSecond, windowMs: 1000 }]),
            rateLimitKey: `mahak:${String(config.databaseId)}`,
          }
        : {}),
    });
    const store = openStore(config, ctx.database, (message) => ctx.logger.warn({ instance: ctx.instance }, message));
    return { config, client, store, migrated: undefined };
  },
  /**
   * Replays sync dead letters: each record goes through the transform again and, when it passes, into the entity's
   * sink as an upsert (the sink's version guard keeps a stale replay from overwriting newer data).
   */
  async replayDeadLetters(ctx, letters) {
    const outcomes: DeadLetterReplayOutcome[] = [];
    for (const letter of letters) {
      try {
        if (!isEntityName(letter.entity)) throw new Error(`"${letter.entity}" is no Mahak entity`);
        const row = transformRecord(letter.entity, letter.raw, { utcOffsetMinutes: ctx.state.config.utcOffsetMinutes });
        const sink = await sinkOf(ctx.state, letter.entity);
        await sink.write(
          {
            source: letter.source,
            entity: letter.entity,
            page: 0,
            upserts: [{ id: row.mahak_id, version: row.row_version, data: row }],
            deletes: [],
            checkpoint: undefined,
          },
          { signal: ctx.signal },
        );
        outcomes.push({ ok: true });
      } catch (error) {
        outcomes.push({
          ok: false,
          reason: error instanceof Error ? error.message : String(error),
          code: (error as { code?: string }).code,
        });
      }
    }
    return outcomes;
  },
  privacy: mahakPrivacy,
  async teardown(state) {
    await state.client.close();
    if (state.store.kind === 'sql' && state.store.owned) await state.store.db.close();
  },
  operations: {
    syncEntity: op({
      description:
        "Pulls one Mahak entity's changes since its checkpoint into the store's database (upserts, logical deletes, dead letters).",
      idempotent: true,
      input: z.object({ entity: entityEnum, pageSize: z.number().int().positive().optional() }),
      output: SyncSummaryOut,
      example: { entity: 'Product' },
      run: async (ctx, input) => summaryOut(await syncOne(ctx, input.entity, input.pageSize)),
    }),
    syncAll: op({
      description: "Syncs several Mahak entities (default: all) one after the other into the store's database.",
      idempotent: true,
      input: z.object({ entities: z.array(entityEnum).optional(), pageSize: z.number().int().positive().optional() }),
      output: z.object({ entities: z.array(SyncSummaryOut) }),
      example: { entities: ['ProductCategory', 'Product', 'ProductDetail'] },
      run: async (ctx, input) => {
        const out = [];
        for (const entity of input.entities ?? ENTITY_NAMES)
          out.push(summaryOut(await syncOne(ctx, entity, input.pageSize)));
        return { entities: out };
      },
    }),
    pushOrders: op({
      description:
        'Sends store orders with their lines to Mahak (SaveAllData) with stable ClientIds: a replay creates nothing twice.',
      idempotent: true,
      input: z.object({ orders: z.array(StoreOrder).min(1) }),
      example: {
        orders: [
          {
            storeOrderId: 'WEB-1001',
            personId: '1',
            orderDate: '2025-03-01T10:00:00Z',
            sendCost: '250000',
            details: [{ productDetailId: '1', price: '1250000', count1: '2' }],
          },
        ],
      },
      output: z.object({
        results: z.array(
          z.object({
            storeOrderId: z.string(),
            clientId: z.string(),
            ok: z.boolean(),
            mahakOrderId: z.string().nullable(),
            errors: z.array(PushErrorOut),
            details: z.array(
              z.object({
                lineId: z.string(),
                clientId: z.string(),
                ok: z.boolean(),
                mahakId: z.string().nullable(),
                errors: z.array(PushErrorOut),
              }),
            ),
          }),
        ),
      }),
      run: async (ctx, input) => {
        const results = await pushOrders(ctx.state.client, input.orders, {
          namespace: ctx.state.config.clientIdNamespace,
          utcOffsetMinutes: ctx.state.config.utcOffsetMinutes,
          signal: ctx.signal,
        });
        return {
          results: results.map((r) => ({
            storeOrderId: r.storeOrderId,
            clientId: r.clientId.toString(),
            ok: r.ok,
            mahakOrderId: id(r.mahakOrderId),
            errors: r.errors,
            details: r.details.map((d) => ({
              lineId: d.lineId,
              clientId: d.clientId.toString(),
              ok: d.ok,
              mahakId: id(d.mahakId),
              errors: d.errors,
            })),
          })),
        };
      },
    }),
    pushReceipts: op({
      description: 'Sends payments received by the store to Mahak as receipts, with stable ClientIds.',
      idempotent: true,
      input: z.object({ receipts: z.array(StoreReceipt).min(1) }),
      example: {
        receipts: [{ storeReceiptId: 'PAY-9', personId: '1', cashAmount: '2500000', date: '2025-03-01T10:05:00Z' }],
      },
      output: z.object({
        results: z.array(
          z.object({
            storeReceiptId: z.string(),
            clientId: z.string(),
            ok: z.boolean(),
            mahakReceiptId: z.string().nullable(),
            errors: z.array(PushErrorOut),
          }),
        ),
      }),
      run: async (ctx, input) => {
        const results = await pushReceipts(ctx.state.client, input.receipts, {
          namespace: ctx.state.config.clientIdNamespace,
          utcOffsetMinutes: ctx.state.config.utcOffsetMinutes,
          signal: ctx.signal,
        });
        return {
          results: results.map((r) => ({
            storeReceiptId: r.storeReceiptId,
            clientId: r.clientId.toString(),
            ok: r.ok,
            mahakReceiptId: id(r.mahakReceiptId),
            errors: r.errors,
          })),
        };
      },
    }),
    getData: op({
      description:
        'Reads raw records of one entity with RowVersion greater than `fromVersion` (large numbers as exact strings).',
      idempotent: true,
      input: z.object({
        entity: entityEnum,
        fromVersion: z.string().regex(/^\d+$/).default('0'),
        pageSize: z.number().int().positive().optional(),
      }),
      example: { entity: 'Product', fromVersion: '0', pageSize: 100 },
      output: z.object({ records: z.array(mahakRecordFields), lastRowVersion: z.string().nullable() }),
      run: async (ctx, input) => {
        const records = await ctx.state.client.getEntityPage(input.entity, BigInt(input.fromVersion), {
          pageSize: input.pageSize,
          signal: ctx.signal,
        });
        const last = records.at(-1);
        return { records, lastRowVersion: last ? toInt64(last.RowVersion).toString() : null };
      },
    }),
  },
  schedules: {
    syncAll: {
      description: "Pulls every entity's changes from Mahak every five minutes (each resumes from its own checkpoint).",
      cron: '*/5 * * * *',
      operation: 'syncAll',
      input: {},
    },
  },
  async health(ctx) {
    try {
      const session = await ctx.state.client.login(ctx.signal);
      return { ok: true, details: { userTitle: session.userTitle, serverTime: session.serverTime } };
    } catch (error) {
      return {
        ok: false,
        details: { code: (error as { code?: unknown }).code ?? 'INTERNAL', message: (error as Error).message },
      };
    }
  },
  classify: classifyMahakError,
});
