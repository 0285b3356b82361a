import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import {
  createEnvelopeCipher,
  loadTracing,
  redactingLogger,
  SqlIdempotencyStore,
  type EnvelopeCipher,
  type Logger,
  type RateLimiter,
} from '@relaykit/sdk-core';
import type { GatewayConfig } from './config/schema.js';
import { ConfigError } from './errors/index.js';
import { createApp } from './http/app.js';
import { answerClientErrorsAsProblems } from './http/client-error.js';
import { buildOpenApi } from './http/openapi.js';
import type { HttpDeps } from './http/types.js';
import { type ApiKey, ApiKeyStore, scopeAllows } from './keys/keys.js';
import { createJobQueue } from './queue/index.js';
import type { JobQueue } from './queue/types.js';
import {
  loadInstances,
  setUpInstances,
  tearDownInstances,
  type ConnectorSource,
  type LoadedInstance,
} from './runtime/instances.js';
import { KeyRateLimiter } from './runtime/key-limiter.js';
import { HealthMonitor } from './runtime/health.js';
import { GatewayMetrics } from './runtime/metrics.js';
import { Reconciler } from './runtime/reconciler.js';
import { JobRunner } from './runtime/runner.js';
import { AuditLog } from './store/audit.js';
import { encryptingCodec, plainCodec, type PayloadCodec } from './store/codec.js';
import { JobStore } from './store/job-store.js';
import { ErrorGroupStore } from './ops/error-groups.js';
import { SyncDeadLetterStore } from './ops/sync-dead-letters.js';
import { migrate } from './store/migrations.js';
import { declaredSchedules } from './schedules/declared.js';
import { ScheduleService } from './schedules/service.js';
import { openSql, type SqlClient } from './store/sql.js';
import { LoginThrottle, SessionStore, UserStore } from './users/index.js';
import { assertSealingKeys, cipherFromConfig, configuredKeyIds, registerSealingKey } from './privacy/encryption.js';
import { Privacy } from './privacy/service.js';

/** A component of `/readyz`. */
export type ComponentState = 'up' | 'down' | 'unknown';

/** What {@link Gateway.readiness} reports. */
export interface Readiness {
  /** The database and the queue answer (upstreams do not count: jobs wait for them). */
  ok: boolean;
  /** Every component by generic name: `database`, `queue`, `upstream-1`, ... */
  components: Record<string, ComponentState>;
  /** Details, only when asked for (an authenticated caller). */
  checks?: Record<string, unknown>;
}

/** What a gateway process does: everything, only the HTTP API, or only workers. */
export type GatewayRole = 'all' | 'api' | 'worker';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  config: GatewayConfig;
  /** `all` (default): API, workers and reconciler; `api`: HTTP only; `worker`: jobs only. */
  role?: GatewayRole;
  /** Connector objects by the name used in `instances.*.connector` (embedding, tests); others are imported. */
  connectors?: ConnectorSource;
  /** Resolves local plugin paths (default: cwd). */
  baseDir?: string;
  /** Logger (default: pino to stdout at `info`); every line is redacted. */
  logger?: Logger;
  /** Seals payloads at rest; default: sdk-core's AES-256-GCM envelope cipher built from `config.encryption`. */
  cipher?: EnvelopeCipher;
  /** Lease of a running job (default: the stall interval). */
  leaseMs?: number;
  /** Use an existing database client (tests, embedding); the gateway does not close it. */
  sql?: SqlClient;
  /** Use an existing queue (tests, embedding); the gateway does not close it. */
  queue?: JobQueue;
  /** The scheduler's clock (tests); default: the database's clock. */
  clock?: () => Date;
}

/** What {@link Gateway.create} assembles for the gateway's constructor (one object, each part named). */
interface GatewayParts {
  metrics: GatewayMetrics;
  config: GatewayConfig;
  role: GatewayRole;
  sql: SqlClient;
  queue: JobQueue;
  store: JobStore;
  keys: ApiKeyStore;
  audit: AuditLog;
  idempotency: SqlIdempotencyStore;
  rateLimiter: RateLimiter;
  instances: Map<string, LoadedInstance>;
  logger: Logger;
  /** How long a claimed job's lease lasts before another worker may take it. */
  leaseMs: number;
  /** Which connections the gateway opened itself (and so closes on stop). */
  owns: { sql: boolean; queue: boolean };
  schedules: ScheduleService;
  privacy?: Privacy;
}

/** A running gateway: its stores, queue, workers and HTTP app. */
export class Gateway {
  readonly app: ReturnType<typeof createApp>;
  readonly runner: JobRunner | undefined;
  readonly reconciler: Reconciler;
  /** Upstream health checked in the background (API roles only); `/readyz` answers from it. */
  readonly health: HealthMonitor | undefined;
  private server: Server | undefined;
  private stopping = false;
  /** Aborted when shutdown begins (wakes `?wait=` requests). */
  private readonly shutdown = new AbortController();
  /** Responses not finished yet: shutdown lets them answer before closing connections. */
  private readonly responses = new Set<ServerResponse>();
  private drained: (() => void) | undefined;
  /** OpenAPI documents by audience (`public`, `generic`, or a key's environment and scopes). */
  private readonly openapiCache = new Map<string, Record<string, unknown>>();
  /** True when payloads and results are sealed at rest. */
  readonly encrypted: boolean;
  /** Console users (the CLI's `relaykit users` and the demo add them). */
  readonly users: UserStore;
  /** Console sessions. */
  readonly sessions: SessionStore;

  readonly metrics: GatewayMetrics;
  readonly config: GatewayConfig;
  readonly role: GatewayRole;
  readonly sql: SqlClient;
  readonly queue: JobQueue;
  readonly store: JobStore;
  readonly keys: ApiKeyStore;
  readonly audit: AuditLog;
  readonly idempotency: SqlIdempotencyStore;
  readonly rateLimiter: RateLimiter;
  readonly instances: Map<string, LoadedInstance>;
  readonly logger: Logger;
  /** Schedules: the store, the API's view and (with workers) the scheduling loop. */
  readonly schedules: ScheduleService;
  /** Subject index, restrictions, erasure (the privacy area). */
  readonly privacy?: Privacy;
  private readonly owns: { sql: boolean; queue: boolean };

  /** Built by {@link Gateway.create}, which opens, migrates and sets up what these parts need. */
  private constructor(parts: GatewayParts) {
    this.metrics = parts.metrics;
    this.config = parts.config;
    this.role = parts.role;
    this.sql = parts.sql;
    this.queue = parts.queue;
    this.store = parts.store;
    this.keys = parts.keys;
    this.audit = parts.audit;
    this.idempotency = parts.idempotency;
    this.rateLimiter = parts.rateLimiter;
    this.instances = parts.instances;
    this.logger = parts.logger;
    this.owns = parts.owns;
    this.schedules = parts.schedules;
    if (parts.privacy) this.privacy = parts.privacy;
    const { config, role, sql, queue, store, keys, audit, idempotency, rateLimiter, instances, logger, leaseMs } =
      parts;
    const { schedules, privacy } = parts;
    this.encrypted = store.encrypted;
    this.users = new UserStore(sql);
    this.sessions = new SessionStore(sql, {
      idleMs: config.console.sessionIdle,
      maxAgeMs: config.console.sessionMaxAge,
    });
    this.runner =
      role === 'api'
        ? undefined
        : new JobRunner({
            store,
            queue,
            instances,
            logger,
            metrics: this.metrics,
            stallLimit: config.jobs.stallLimit,
            leaseMs,
            failures: new ErrorGroupStore(sql),
            mask: privacy?.masker,
          });
    this.reconciler = new Reconciler({
      store,
      queue,
      logger,
      metrics: this.metrics,
      intervalMs: config.jobs.reconcileInterval,
      graceMs: Math.max(config.jobs.reconcileInterval, leaseMs),
      instances: new Set(instances.keys()),
    });
    this.health =
      role === 'worker'
        ? undefined
        : new HealthMonitor({
            instances,
            intervalMs: config.health.interval,
            timeoutMs: config.health.timeout,
            logger,
          });
    const deps: HttpDeps = {
      config,
      instances,
      store,
      sql,
      health: this.health,
      queue,
      keys,
      audit,
      idempotency,
      users: this.users,
      sessions: this.sessions,
      loginThrottle: new LoginThrottle({
        maxFailures: config.console.maxFailedLoginsPerAddress,
        windowMs: config.console.lockout,
      }),
      rateLimiter,
      metrics: this.metrics,
      logger,
      runner: this.runner,
      schedules,
      privacy,
      openapi: (key) => this.openapi(key),
      readiness: (detailFor) => this.readiness(detailFor),
      isStopping: () => this.stopping,
      shutdown: this.shutdown.signal,
    };
    this.app = createApp(deps);
  }

  /** Loads plugins, opens the database (migrating it) and the queue, sets instances up and starts workers for the role. */
  static async create(options: GatewayOptions): Promise<Gateway> {
    const { config } = options;
    const role = options.role ?? 'all';
    // OpenTelemetry (an optional peer) is looked for once, before the first request or job, so both are traced.
    await loadTracing();
    const logger = redactingLogger(
      options.logger ?? (pino({ level: process.env.LOG_LEVEL ?? 'info' }) as unknown as Logger),
    );
    const instances = await loadInstances(config, { connectors: options.connectors, baseDir: options.baseDir });
    // Schedules are checked before anything opens: a bad one fails start-up with every problem listed.
    declaredSchedules(instances);
    const codec = resolveCodec(config, options.cipher);
    const sql = options.sql ?? (await openSql({ url: config.database.url, dataDir: config.database.dataDir }));
    let queue: JobQueue | undefined;
    let rateLimiter: RateLimiter | undefined;
    const metrics = new GatewayMetrics();
    let schedules: ScheduleService | undefined;
    try {
      await migrate(sql);
      // A row sealed with a key this process does not have would fail every read of it: refuse to start, naming it.
      if (options.cipher) await registerSealingKey(sql, options.cipher.primaryKeyId);
      else
        await assertSealingKeys(
          sql,
          configuredKeyIds(config.encryption),
          cipherFromConfig(config.encryption)?.primaryKeyId,
        );
      queue =
        options.queue ??
        createJobQueue({
          redisUrl: config.redis.url,
          prefix: config.redis.prefix,
          stallInterval: config.jobs.stallInterval,
        });
      // Shared through Redis; fails open to a per-process limiter while Redis is unreachable (never a 500 or a wait).
      rateLimiter = new KeyRateLimiter({
        rules: config.apiKeys.rateLimits.map((w) => ({
          limit: w.limit,
          windowMs: w.window,
          ...(w.burst ? { burst: w.burst } : {}),
        })),
        ...(config.redis.url && config.apiKeys.rateLimits.length ? { redisUrl: config.redis.url } : {}),
        prefix: `${config.redis.prefix}:rl:apikey`,
        logger,
      });
      await setUpInstances(instances, {
        logger,
        redisUrl: config.redis.url,
        prefix: config.redis.prefix,
        metrics,
        database: sql,
        deadLetters: (instance) => new SyncDeadLetterStore(sql).sinkFor(instance),
      });
      schedules = new ScheduleService({
        config,
        sql,
        codec,
        queue,
        instances,
        metrics,
        logger,
        loop: role !== 'api',
        clock: options.clock,
      });
      await schedules.syncDeclared();
    } catch (error) {
      // Nothing half-started stays open when start-up fails.
      await tearDownInstances(instances);
      await rateLimiter?.close().catch(() => undefined);
      if (!options.queue) await queue?.close(0).catch(() => undefined);
      if (!options.sql) await sql.close().catch(() => undefined);
      throw error;
    }
    // Stored responses and audit payloads can quote job inputs and results: sealed like the jobs themselves.
    const idempotency = new SqlIdempotencyStore({
      db: sql,
      ttlMs: config.idempotency.ttl,
      ...(codec.encrypted ? { codec } : {}),
    });
    const audit = new AuditLog(sql, {
      codec,
      maxBacklog: config.audit.maxBacklog,
      onError: (err, state) =>
        logger.warn({ err: String(err), ...state }, 'audit write failed; the entries are kept and retried'),
    });
    const privacy = new Privacy({
      sql,
      instances,
      config: config.privacy,
      codec,
      audit,
      logger,
      metrics,
      cipher: options.cipher ?? cipherFromConfig(config.encryption),
    });
    const gateway = new Gateway({
      metrics,
      config,
      role,
      sql,
      queue,
      store: new JobStore(sql, codec, privacy.indexer, privacy.masker),
      keys: new ApiKeyStore(sql),
      audit,
      idempotency,
      rateLimiter,
      instances,
      logger,
      leaseMs: options.leaseMs ?? config.jobs.stallInterval,
      owns: { sql: !options.sql, queue: !options.queue },
      schedules,
      privacy,
    });
    gateway.health?.start();
    // Erasure requests left open (a crash, or jobs that were still running) are resumed in the background.
    if (role !== 'api') privacy.start(config.privacy.erasurePassInterval);
    if (gateway.runner) {
      gateway.runner.start();
      gateway.reconciler.start();
      // Anything accepted before this process started and no longer queued is sent again now.
      await gateway.reconciler
        .runOnce(0)
        .catch((err: unknown) => logger.warn({ err: String(err) }, 'start-up reconcile failed'));
      gateway.schedules.start();
    }
    return gateway;
  }

  /** Which engines are in use, in plain words (printed at start-up). */
  describeEngines(): string {
    const db =
      this.sql.engine === 'pglite'
        ? `embedded PGlite (${this.config.database.dataDir === 'memory://' ? 'in memory, lost on exit' : this.config.database.dataDir})`
        : 'PostgreSQL (DATABASE_URL)';
    const queue =
      this.queue.engine === 'memory'
        ? 'in-memory queue (single process; set REDIS_URL for bee-queue on Redis)'
        : 'bee-queue on Redis (REDIS_URL)';
    return `database: ${db}; queue: ${queue}; payload encryption: ${this.encrypted ? 'on (AES-256-GCM)' : 'off'}; role: ${this.role}`;
  }

  /**
   * The OpenAPI document for a caller: every instance when `docs.public` is set; otherwise the operations `key`
   * reaches (its environment and scopes), and without a key (or one reaching nothing) the generic document.
   */
  openapi(key?: ApiKey): Record<string, unknown> {
    const options = { title: 'relaykit gateway', version: '0.0.0' };
    const audience = this.config.docs.public
      ? 'public'
      : key
        ? `key:${key.environment}:${[...key.scopes].sort().join(' ')}`
        : 'generic';
    let doc = this.openapiCache.get(audience);
    if (!doc) {
      doc =
        audience === 'public'
          ? buildOpenApi(this.instances, options)
          : buildOpenApi(this.instances, {
              ...options,
              operations: (instance, operation) =>
                Boolean(key) &&
                instance.environment === key!.environment &&
                scopeAllows(key!.scopes, instance.name, operation),
            });
      // Keys share a handful of scope sets; the bound only guards against a flood of distinct ones.
      if (this.openapiCache.size > 100) this.openapiCache.clear();
      this.openapiCache.set(audience, doc);
    }
    return doc;
  }

  /** Starts listening (port 0 picks a free one); resolves with the base URL. */
  async listen(port = this.config.server.port, host = this.config.server.host): Promise<string> {
    if (this.role === 'worker') throw new TypeError('a worker-only gateway does not serve HTTP');
    const server = this.app.listen(port, host);
    this.server = server;
    server.keepAliveTimeout = 5000;
    answerClientErrorsAsProblems(server);
    server.on('request', (_req, res: ServerResponse) => {
      if (this.stopping) res.shouldKeepAlive = false;
      this.responses.add(res);
      res.once('close', () => {
        this.responses.delete(res);
        if (this.responses.size === 0) this.drained?.();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const address = server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  private async drainRequests(ms: number): Promise<void> {
    if (this.responses.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.drained = undefined;
  }

  /**
   * Database, queue and each instance's upstream health as last checked in the background (never an upstream
   * call per probe). `components` names each part generically (`upstream-1`, ...) and says up, down or unknown;
   * `checks` adds details (engines, upstream answers, circuits, queue counts) for the instances `detailFor` accepts.
   */
  async readiness(detailFor?: (instance: LoadedInstance) => boolean): Promise<Readiness> {
    // Every check is bounded: an outage makes this process unready at once, never slow to answer.
    const [database, queue] = await Promise.all([
      within(this.sql.query('SELECT 1'), 2000).then(
        () => true,
        () => false,
      ),
      within(this.queue.ping(), 2000).catch(() => false),
    ]);
    const state = (ok: boolean | null) => (ok === null ? 'unknown' : ok ? 'up' : 'down');
    const components: Record<string, ComponentState> = { database: state(database), queue: state(queue) };
    const instances: Record<string, unknown> = {};
    let index = 0;
    for (const instance of this.instances.values()) {
      const health = this.health?.get(instance.name) ?? { ok: null, checkedAt: null };
      components[`upstream-${++index}`] = state(health.ok);
      if (!detailFor?.(instance)) continue;
      instances[instance.name] = {
        environment: instance.environment,
        connector: instance.connector.name,
        upstream: health,
        circuits: instance.services?.circuits() ?? {},
        queue: queue
          ? await within(this.queue.counts(`jobs.${instance.name}`), 1000).catch(() => undefined)
          : undefined,
      };
    }
    // An upstream being down does not make this process unready: jobs wait and retry.
    return {
      ok: database && queue,
      components,
      ...(detailFor
        ? {
            checks: {
              database: { ok: database, engine: this.sql.engine },
              queue: { ok: queue, engine: this.queue.engine },
              instances,
            },
          }
        : {}),
    };
  }

  /**
   * Graceful shutdown: refuse new requests, stop taking jobs, let running ones finish within
   * `server.shutdownTimeout` (the rest are handed back), then close connections.
   */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const deadline = this.config.server.shutdownTimeout;
    const startedAt = Date.now();
    const serverClosed = this.server
      ? new Promise<void>((resolve) => this.server!.close(() => resolve()))
      : Promise.resolve();
    this.server?.closeIdleConnections();
    // Answers still to come say "Connection: close": clients reconnect, and the closed listener sends them elsewhere.
    for (const res of this.responses) if (!res.headersSent) res.shouldKeepAlive = false;
    this.shutdown.abort();
    await this.schedules.stop();
    await this.health?.stop();
    await this.reconciler.stop();
    await this.privacy?.stop();
    await this.runner?.stop(deadline);
    if (this.owns.queue) await this.queue.close(1000);
    // Requests still being answered (a woken ?wait= writing its 202, a late 503) finish before their connections close.
    await this.drainRequests(Math.max(1000, deadline - (Date.now() - startedAt)));
    this.server?.closeAllConnections();
    await serverClosed;
    await this.audit.flush();
    if (this.audit.backlog > 0)
      this.logger.error({ entries: this.audit.backlog }, 'audit entries could not be written before shutdown');
    await tearDownInstances(this.instances);
    await this.rateLimiter.close().catch(() => undefined);
    if (this.owns.sql) await this.sql.close().catch(() => undefined);
  }
}

/** `promise`, or a rejection once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function resolveCodec(config: GatewayConfig, cipher?: EnvelopeCipher): PayloadCodec {
  if (cipher) return encryptingCodec(cipher);
  const { key, keys, primary } = config.encryption;
  if (!key && !keys?.length) return plainCodec;
  try {
    return encryptingCodec(
      createEnvelopeCipher({ keys: keys?.length ? keys : [{ id: 'k1', key: key! }], ...(primary ? { primary } : {}) }),
    );
  } catch (cause) {
    throw new ConfigError(
      'Invalid gateway configuration:',
      [{ path: 'encryption', message: (cause as Error).message }],
      { cause },
    );
  }
}

/** Creates and starts a gateway (see {@link Gateway.create}). */
export const createGateway = (options: GatewayOptions) => Gateway.create(options);
