import { z } from 'zod';
import { parseDuration } from '../util/duration.js';

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 30d, 12h, 15m)` });
    return z.NEVER;
  }
  return ms;
});

/** How long one data class is kept, and what happens then: the row deleted, or only its payload erased. */
const classRule = z.strictObject({ keep: duration.nullable(), action: z.enum(['delete', 'erasePayload']) });
/** A class rule as an instance may override it (either field). */
const classOverride = classRule.partial();

/** How long one data class a connector keeps is kept (`null`: until erased), overriding the connector's default. */
const connectorRule = z.strictObject({ keep: duration.nullable() });

/** Data classes the purge worker handles. */
export const DATA_CLASSES = [
  'jobs',
  'webhooks',
  'deadJobs',
  'attempts',
  'idempotency',
  'syncDeadLetters',
  'audit',
] as const;
/** One data class of {@link DATA_CLASSES}. */
export type DataClass = (typeof DATA_CLASSES)[number];

const DAY = 86_400_000;
/**
 * Conservative defaults: nothing is deleted that says what happened; payloads of finished jobs go after 90 days
 * (webhook events after 30, dead and failed jobs after 180, kept longer for investigation), attempts' error texts
 * with their job's, expired Idempotency-Key responses after a day past their expiry, sync dead letters (raw upstream
 * records) after 180 days, and the audit trail is kept
 * (it holds no personal data, and the application's role may not delete it).
 */
export const DEFAULT_RETENTION: Record<DataClass, { keep: number | null; action: 'delete' | 'erasePayload' }> = {
  jobs: { keep: 90 * DAY, action: 'erasePayload' },
  webhooks: { keep: 30 * DAY, action: 'erasePayload' },
  deadJobs: { keep: 180 * DAY, action: 'erasePayload' },
  attempts: { keep: 90 * DAY, action: 'erasePayload' },
  idempotency: { keep: DAY, action: 'delete' },
  syncDeadLetters: { keep: 180 * DAY, action: 'delete' },
  audit: { keep: null, action: 'delete' },
};

/** The `privacy` section of the gateway configuration. */
export const privacyConfigSchema = z
  .strictObject({
    /**
     * Key of the blind index (base64, 32 bytes; `${RELAYKIT_PRIVACY_INDEX_KEY}`): HMAC of each identifier a job
     * names, so a subject can be found while payloads are encrypted. Keep it apart from the encryption keys. Without
     * it, nothing is indexed and the privacy routes answer 503.
     */
    indexKey: z.string().optional(),
    /** Region of phone numbers written without a country code (ISO 3166 alpha-2, e.g. `NP`). */
    defaultRegion: z.string().length(2).optional(),
    /**
     * Masking outside production: finished jobs (operation inputs, results, errors, attempts' error texts) and recorded
     * webhook events are stored with every value the connectors' schemas mark as personal replaced by its mask
     * (`[phone]`, `[email]`, `[name]`, `[text]`, `[id]`), in the transaction that ends them; what is read back (job
     * lookups, `?wait=` answers, Idempotency-Key replays) is masked too. A job keeps its input in clear only while it
     * may still run. Default: on when `RELAYKIT_ENV` is `development`, `staging` or `test`, off otherwise.
     */
    storeMasked: z.boolean().optional(),
    /** Jobs erased per transaction. */
    erasureBatch: z.number().int().min(1).max(10_000).default(200),
    /** How often open erasure requests (interrupted, or waiting for the subject's running jobs) are resumed. */
    erasurePassInterval: duration.default(10_000),
    retention: z
      .strictObject({
        /** Off: nothing is purged. */
        enabled: z.boolean().default(true),
        /** How often the purge runs. */
        interval: duration.default(3_600_000),
        /** Rows per delete or update statement (small: short locks). */
        batch: z.number().int().min(1).max(100_000).default(500),
        classes: z.strictObject(Object.fromEntries(DATA_CLASSES.map((c) => [c, classOverride.optional()]))).default({}),
        /**
         * Data classes connectors keep themselves (their `privacy.classes`), by `<connector>.<class>`, e.g.
         * `whatsapp.statuses: { keep: 7d }`: overrides the connector's default.
         */
        connectors: z.record(z.string(), connectorRule).default({}),
        /** Per-instance overrides of `classes` (and of `connectors`, by class name: `connectors: { statuses: ... }`). */
        instances: z
          .record(
            z.string(),
            z.strictObject({
              ...(Object.fromEntries(DATA_CLASSES.map((c) => [c, classOverride.optional()])) as Record<
                DataClass,
                ReturnType<typeof classOverride.optional>
              >),
              connectors: z.record(z.string(), connectorRule).optional(),
            }),
          )
          .default({}),
      })
      .default({ enabled: true, interval: 3_600_000, batch: 500, classes: {}, connectors: {}, instances: {} }),
  })
  .default({
    erasureBatch: 200,
    erasurePassInterval: 10_000,
    retention: { enabled: true, interval: 3_600_000, batch: 500, classes: {}, connectors: {}, instances: {} },
  });

/** The validated `privacy` section. */
export type PrivacyConfig = z.output<typeof privacyConfigSchema>;

/** The rule of `dataClass` for `instance` (its override, the configured class rule, then the default). */
export function retentionRule(
  config: PrivacyConfig,
  dataClass: DataClass,
  instance?: string,
): { keep: number | null; action: 'delete' | 'erasePayload' } {
  const base = { ...DEFAULT_RETENTION[dataClass], ...stripUndefined(config.retention.classes[dataClass]) };
  const override = instance ? config.retention.instances[instance]?.[dataClass] : undefined;
  return { ...base, ...stripUndefined(override) } as { keep: number | null; action: 'delete' | 'erasePayload' };
}

/**
 * How long `instance` keeps a data class its connector holds (ms; `null`: until erased): the instance's override, the
 * configured `<connector>.<class>` rule, then the connector's own default.
 */
export function connectorRetention(
  config: PrivacyConfig,
  target: { instance: string; connector: string; dataClass: string; defaultKeepMs: number | null },
): number | null {
  const own = config.retention.instances[target.instance]?.connectors?.[target.dataClass];
  if (own) return own.keep;
  const configured = config.retention.connectors[`${target.connector}.${target.dataClass}`];
  return configured ? configured.keep : target.defaultKeepMs;
}

const stripUndefined = (o: object | undefined) =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined));
