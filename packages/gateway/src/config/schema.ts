import { z } from 'zod';
import { privacyConfigSchema } from '../privacy/config.js';
import { configScheduleSchema } from '../schedules/definition.js';
import { parseDuration, parseSize } from '../util/duration.js';

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a duration (use e.g. 500ms, 5s, 1m, 24h or a number of ms)`,
    });
    return z.NEVER;
  }
  return ms;
});

const size = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (use e.g. 100kb, 1mb or a number of bytes)` });
    return z.NEVER;
  }
  return bytes;
});

const rateWindow = z.object({
  limit: z.number().int().positive(),
  window: duration,
  burst: z.number().int().positive().optional(),
});

const retry = z.object({
  attempts: z.number().int().min(1).max(100).default(5),
  backoff: z.enum(['fixed', 'exponential']).default('exponential'),
  delay: duration.default(1000),
  maxDelay: duration.default(60_000),
});

const name = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'use lower-case letters, digits, "-" and "_" (at most 63, starting with a letter or digit)',
  );

/** One configured connector instance. */
export const instanceSchema = z.strictObject({
  /** Package name (`@acme/relaykit-crm`) or a path to a local module (`./plugins/x.js`). */
  connector: z.string().min(1),
  /** Named export holding the connector; default: the only connector the module exports. */
  export: z.string().optional(),
  environment: name,
  /** The connector's own configuration, validated by its `config` schema at start-up. */
  config: z.unknown().default({}),
  concurrency: z.number().int().min(1).max(1000).default(5),
  retry: retry.default({ attempts: 5, backoff: 'exponential', delay: 1000, maxDelay: 60_000 }),
  /** Outbound windows for the instance's calls to its upstream. */
  rateLimits: z.array(rateWindow).default([]),
  /** Longest one attempt may run. */
  timeout: duration.default(60_000),
  /** Timed jobs of this instance by name; an entry named like a connector-declared schedule overrides it. */
  schedules: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/), configScheduleSchema).default({}),
  /** Run the schedules the connector declares (default true); each can also be switched off by name. */
  connectorSchedules: z.boolean().default(true),
});

/** The gateway's configuration file, after environment-variable substitution. */
export const gatewayConfigSchema = z
  .strictObject({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Largest JSON body accepted. */
        bodyLimit: size.default(1024 * 1024),
        /** Deepest nesting of arrays and objects accepted in a JSON body (deeper is a 400 before parsing). */
        maxJsonDepth: z.number().int().min(1).max(10_000).default(64),
        /** Longest `?wait=` accepted. */
        maxWait: duration.default(30_000),
        /** How long shutdown waits for in-flight jobs before handing them back. */
        shutdownTimeout: duration.default(10_000),
      })
      .default({
        host: '127.0.0.1',
        port: 8080,
        bodyLimit: 1024 * 1024,
        maxJsonDepth: 64,
        maxWait: 30_000,
        shutdownTimeout: 10_000,
      }),
    /** PostgreSQL URL; without it the embedded PGlite database is used. */
    database: z
      .object({
        url: z.string().optional(),
        /** PGlite data directory; `memory://` keeps it in memory (lost on exit). */
        dataDir: z.string().default('memory://'),
      })
      .default({ dataDir: 'memory://' }),
    /** Redis URL; without it the in-memory queue is used (single process only). */
    redis: z
      .object({ url: z.string().optional(), prefix: z.string().default('relaykit') })
      .default({ prefix: 'relaykit' }),
    /**
     * Encrypts job payloads and results at rest (AES-256-GCM). `key`: one base64 32-byte key
     * (`RELAYKIT_ENCRYPTION_KEY`); `keys` + `primary` for rotation (old keys still open old rows).
     */
    encryption: z
      .object({
        key: z.string().optional(),
        keys: z.array(z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), key: z.string() })).optional(),
        primary: z.string().optional(),
      })
      .default({}),
    jobs: z
      .object({
        /** A job whose worker died this many times is dead. */
        stallLimit: z.number().int().min(0).default(3),
        /** How often stalled jobs are looked for (bee-queue `stallInterval`). */
        stallInterval: duration.default(5000),
        /** How often the reconciler re-enqueues accepted jobs the queue lost. */
        reconcileInterval: duration.default(15_000),
      })
      .default({ stallLimit: 3, stallInterval: 5000, reconcileInterval: 15_000 }),
    idempotency: z
      .object({
        /** How long a stored response is replayed. */
        ttl: duration.default(24 * 3_600_000),
        /** When `Idempotency-Key` is mandatory (400 without it): never, for operations not marked idempotent, or on every POST. */
        require: z.enum(['never', 'non-idempotent', 'always']).default('never'),
      })
      .default({ ttl: 24 * 3_600_000, require: 'never' }),
    audit: z
      .object({
        /** Audit entries that may wait for the database (it is down) before `/v1` requests are refused with 503. */
        maxBacklog: z.number().int().min(1).default(10_000),
      })
      .default({ maxBacklog: 10_000 }),
    /** The operator API's live stream (`GET /v1/admin/stream`). */
    ops: z
      .object({
        /** How often a stream sends an `event: stats`. */
        streamInterval: duration.default(2000),
        /** How often a stream sends a heartbeat comment (keeps proxies from closing an idle connection). */
        streamHeartbeat: duration.default(15_000),
        /** Streams one process serves at once; one more is refused with 503 `TOO_MANY_STREAMS`. */
        maxStreams: z.number().int().min(1).max(10_000).default(20),
      })
      .default({ streamInterval: 2000, streamHeartbeat: 15_000, maxStreams: 20 }),
    /** Subject index, retention, erasure (see the privacy section of the README). */
    privacy: privacyConfigSchema,
    apiKeys: z
      .object({
        /** Default windows per API key. */
        rateLimits: z.array(rateWindow).default([{ limit: 100, window: 1000 }]),
      })
      .default({ rateLimits: [{ limit: 100, window: 1000 }] }),
    /** The web console's users and sessions. */
    console: z
      .object({
        /** `Secure` on the session cookie: `auto` sets it when the request came over TLS; `true` always (behind a TLS proxy). */
        secureCookies: z.union([z.boolean(), z.literal('auto')]).default('auto'),
        /** A session without a request for this long ends. */
        sessionIdle: duration.default(30 * 60_000),
        /** A session ends this long after login in any case. */
        sessionMaxAge: duration.default(12 * 3_600_000),
        /** Failed logins in a row that lock a user's account... */
        maxFailedLogins: z.number().int().min(1).default(5),
        /** ...for this long. */
        lockout: duration.default(15 * 60_000),
        /** Failed logins from one address within `lockout` before that address is refused. */
        maxFailedLoginsPerAddress: z.number().int().min(1).default(20),
      })
      .default({
        secureCookies: 'auto',
        sessionIdle: 30 * 60_000,
        sessionMaxAge: 12 * 3_600_000,
        maxFailedLogins: 5,
        lockout: 15 * 60_000,
        maxFailedLoginsPerAddress: 20,
      }),
    /** The scheduling loop run by every process with workers. */
    scheduler: z
      .object({
        enabled: z.boolean().default(true),
        /** How often due schedules are looked for; a dead process's fires are taken over within 2 × tick. */
        tick: duration.default(1000),
        /** Schedules locked per pass. */
        batch: z.number().int().min(1).max(5000).default(500),
        /** How long run history is kept (0: forever). */
        runRetention: duration.default(7 * 86_400_000),
      })
      .default({ enabled: true, tick: 1000, batch: 500, runRetention: 7 * 86_400_000 }),
    /**
     * Who sees which instances in `/openapi.json` and `/docs`. `public: false` (default): a caller sees the operations
     * its API key reaches, and without a key a generic document that names no instance. `public: true`: everyone sees
     * every instance of every environment.
     */
    docs: z.object({ public: z.boolean().default(false) }).default({ public: false }),
    /**
     * `/metrics` answers only `Authorization: Bearer <token>` (`RELAYKIT_METRICS_TOKEN` when the file leaves it out);
     * without a token it is off (404): metrics name every instance.
     */
    metrics: z.object({ token: z.string().min(16).optional() }).default({}),
    /** Upstream health checks run in the background; `/readyz` answers from their last result. */
    health: z
      .object({
        /** How often each instance's upstream health is checked (each check may cost an upstream API call). */
        interval: duration.default(60_000),
        /** Longest one check may take. */
        timeout: duration.default(5000),
      })
      .default({ interval: 60_000, timeout: 5000 }),
    environments: z.array(name).min(1).default(['development', 'staging', 'production']),
    instances: z.record(name, instanceSchema).default({}),
  })
  .superRefine((config, ctx) => {
    for (const [key, instance] of Object.entries(config.instances)) {
      // `/v1/admin/...` and the `admin:keys` scope belong to the gateway: an instance named so would share them.
      if (key === 'admin')
        ctx.addIssue({
          code: 'custom',
          path: ['instances', key],
          message:
            '"admin" is reserved for the gateway\'s own routes (/v1/admin/keys) and scope (admin:keys): pick another name',
        });
      if (!config.environments.includes(instance.environment)) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances', key, 'environment'],
          message: `"${instance.environment}" is not one of the environments (${config.environments.join(', ')})`,
        });
      }
    }
  });

/** The validated configuration (durations in ms, sizes in bytes). */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
/** The configuration as written in the file. */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
/** One validated instance. */
export type InstanceConfig = z.output<typeof instanceSchema>;
