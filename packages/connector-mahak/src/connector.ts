import {
  PostgresCheckpointStore, RelaykitError, defineConnector, operationsFor, type CheckpointStore, type SyncSummary,
} from '@relaykit/sdk-core';
import pg from 'pg';
import { z } from 'zod';
import { classifyMahakError, createMahakClassifier } from './client/classify.js';
import { MAHAK_DEFAULT_BASE_URL, MahakClient } from './client/client.js';
import { ENTITY_NAMES, type EntityName } from './entities/catalogue.js';
import { toInt64 } from './entities/scalars.js';
import { pushOrders, pushReceipts, StoreOrder, StoreReceipt } from './push/push.js';
import { createPostgresDeadLetterSink, createPostgresMahakSink } from './sink/postgres.js';
import { migrateMahakSchema } from './sink/migrations.js';
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
  /** Where syncs write: the store's PostgreSQL. Tables are created by the shipped migrations on first use. */
  postgres: z.object({
    url: z.string().min(1),
    schema: z.string().default('public'),
    tablePrefix: z.string().default('mahak_'),
  }).optional(),
  /** Records per page (default 1000). */
  pageSize: z.number().int().positive().default(1000),
  /** Offset of Mahak's clock for dates sent without one, minutes (Iran: 210). */
  utcOffsetMinutes: z.number().int().default(0),
  /** ClientId namespace, one per store sharing a Mahak database. */
  clientIdNamespace: z.string().min(1).default('relaykit'),
});
/** Parsed configuration. */
export type MahakConfig = z.output<typeof MahakConfig>;

/** Per-instance state built by `setup`. */
export interface MahakState {
  config: MahakConfig;
  client: MahakClient;
  pool: pg.Pool | undefined;
  checkpoints: CheckpointStore;
  ownedCheckpoints: PostgresCheckpointStore | undefined;
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
  entity: s.entity, records: s.records, upserts: s.upserts, deletes: s.deletes, deadLettered: s.deadLettered, pages: s.pages,
  checkpoint: s.checkpoint === undefined ? null : String(s.checkpoint), aborted: s.aborted, durationMs: s.durationMs,
});

const PushErrorOut = z.object({ property: z.string(), code: z.number(), message: z.string() });
const id = (v: bigint | null) => (v === null ? null : v.toString());

const op = operationsFor<MahakState>();

async function syncOne(ctx: { state: MahakState; signal: AbortSignal; progress(e: Record<string, unknown>): void }, entity: EntityName, pageSize?: number) {
  const { state } = ctx;
  if (!state.pool) throw new RelaykitError('CONFIG', 'The Mahak connector needs `postgres.url` in its configuration to sync');
  await (state.migrated ??= migrateMahakSchema(state.pool, state.config.postgres));
  const schema = state.config.postgres!;
  const checkpoints = state.ownedCheckpoints!;
  return syncMahakEntity({
    client: state.client, entity, checkpoints, signal: ctx.signal,
    sink: createPostgresMahakSink({ pool: state.pool, entity, checkpoints, ...schema }),
    deadLetter: createPostgresDeadLetterSink({ pool: state.pool, ...schema }),
    pageSize: pageSize ?? state.config.pageSize,
    utcOffsetMinutes: state.config.utcOffsetMinutes,
    onProgress: (p) => ctx.progress({ entity, records: p.records, upserts: p.upserts, deletes: p.deletes, deadLettered: p.deadLettered, recordsPerSecond: p.recordsPerSecond }),
  });
}

/**
 * The Mahak accounting connector: RowVersion sync of Mahak entities into the store's PostgreSQL, and safe pushes of
 * orders and receipts. Use it embedded through `instantiateConnector(mahakConnector, { config })`, or load it in the
 * gateway.
 */
export const mahakConnector = defineConnector({
  name: 'mahak',
  version: '0.1.0',
  description: 'Mahak accounting (v3 sync API): RowVersion incremental sync into PostgreSQL, and idempotent pushes of orders and receipts.',
  config: MahakConfig,
  setup(ctx): MahakState {
    const config = ctx.config;
    const http = ctx.createHttpClient({
      baseUrl: config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`,
      upstream: 'mahak',
      timeouts: { headersMs: config.timeoutMs, bodyMs: config.timeoutMs },
    });
    const client = new MahakClient({
      baseUrl: config.baseUrl, userName: config.userName, password: config.password, databaseId: config.databaseId,
      passwordMode: config.passwordMode, v2: config.v2, authCodes: config.authCodes, retryableCodes: config.retryableCodes, http,
      logger: ctx.logger,
      policy: {
        name: `mahak:${ctx.instance}`, timeoutMs: config.timeoutMs,
        retry: { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 60_000 },
        breaker: { consecutiveFailures: 5, halfOpenAfterMs: 15_000 },
        classify: createMahakClassifier({ retryableCodes: config.retryableCodes }),
      },
      ...(config.requestsPerSecond ? { rateLimiter: ctx.createRateLimiter('mahak', [{ limit: config.requestsPerSecond, windowMs: 1000 }]), rateLimitKey: `mahak:${String(config.databaseId)}` } : {}),
    });
    const pool = config.postgres ? new pg.Pool({ connectionString: config.postgres.url, max: 4 }) : undefined;
    const ownedCheckpoints = pool ? new PostgresCheckpointStore({ pool }) : undefined;
    return { config, client, pool, checkpoints: ownedCheckpoints ?? ctx.checkpoints, ownedCheckpoints, migrated: undefined };
  },
  async teardown(state) {
    await state.client.close();
    await state.ownedCheckpoints?.close();
    await state.pool?.end();
  },
  operations: {
    syncEntity: op({
      description: 'Pulls one Mahak entity\'s changes since its checkpoint into PostgreSQL (upserts, logical deletes, dead letters).',
      idempotent: true,
      input: z.object({ entity: entityEnum, pageSize: z.number().int().positive().optional() }),
      output: SyncSummaryOut,
      example: { entity: 'Product' },
      run: async (ctx, input) => summaryOut(await syncOne(ctx, input.entity, input.pageSize)),
    }),
    syncAll: op({
      description: 'Syncs several Mahak entities (default: all) one after the other into PostgreSQL.',
      idempotent: true,
      input: z.object({ entities: z.array(entityEnum).optional(), pageSize: z.number().int().positive().optional() }),
      output: z.object({ entities: z.array(SyncSummaryOut) }),
      run: async (ctx, input) => {
        const out = [];
        for (const entity of input.entities ?? ENTITY_NAMES) out.push(summaryOut(await syncOne(ctx, entity, input.pageSize)));
        return { entities: out };
      },
    }),
    pushOrders: op({
      description: 'Sends store orders with their lines to Mahak (SaveAllData) with stable ClientIds: a replay creates nothing twice.',
      idempotent: true,
      input: z.object({ orders: z.array(StoreOrder).min(1) }),
      output: z.object({
        results: z.array(z.object({
          storeOrderId: z.string(), clientId: z.string(), ok: z.boolean(), mahakOrderId: z.string().nullable(), errors: z.array(PushErrorOut),
          details: z.array(z.object({ lineId: z.string(), clientId: z.string(), ok: z.boolean(), mahakId: z.string().nullable(), errors: z.array(PushErrorOut) })),
        })),
      }),
      run: async (ctx, input) => {
        const results = await pushOrders(ctx.state.client, input.orders, { namespace: ctx.state.config.clientIdNamespace, signal: ctx.signal });
        return {
          results: results.map((r) => ({
            storeOrderId: r.storeOrderId, clientId: r.clientId.toString(), ok: r.ok, mahakOrderId: id(r.mahakOrderId), errors: r.errors,
            details: r.details.map((d) => ({ lineId: d.lineId, clientId: d.clientId.toString(), ok: d.ok, mahakId: id(d.mahakId), errors: d.errors })),
          })),
        };
      },
    }),
    pushReceipts: op({
      description: 'Sends payments received by the store to Mahak as receipts, with stable ClientIds.',
      idempotent: true,
      input: z.object({ receipts: z.array(StoreReceipt).min(1) }),
      output: z.object({
        results: z.array(z.object({ storeReceiptId: z.string(), clientId: z.string(), ok: z.boolean(), mahakReceiptId: z.string().nullable(), errors: z.array(PushErrorOut) })),
      }),
      run: async (ctx, input) => {
        const results = await pushReceipts(ctx.state.client, input.receipts, { namespace: ctx.state.config.clientIdNamespace, signal: ctx.signal });
        return { results: results.map((r) => ({ storeReceiptId: r.storeReceiptId, clientId: r.clientId.toString(), ok: r.ok, mahakReceiptId: id(r.mahakReceiptId), errors: r.errors })) };
      },
    }),
    getData: op({
      description: 'Reads raw records of one entity with RowVersion greater than `fromVersion` (large numbers as exact strings).',
      idempotent: true,
      input: z.object({ entity: entityEnum, fromVersion: z.string().regex(/^\d+$/).default('0'), pageSize: z.number().int().positive().optional() }),
      output: z.object({ records: z.array(z.record(z.string(), z.unknown())), lastRowVersion: z.string().nullable() }),
      run: async (ctx, input) => {
        const records = await ctx.state.client.getEntityPage(input.entity, BigInt(input.fromVersion), { pageSize: input.pageSize, signal: ctx.signal });
        const last = records.at(-1);
        return { records, lastRowVersion: last ? toInt64(last.RowVersion).toString() : null };
      },
    }),
  },
  schedules: {
    syncAll: {
      description: 'Pulls every entity\'s changes from Mahak every five minutes (each resumes from its own checkpoint).',
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
      return { ok: false, details: { code: (error as { code?: unknown }).code ?? 'INTERNAL', message: (error as Error).message } };
    }
  },
  classify: classifyMahakError,
});
