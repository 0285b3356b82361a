import { z } from 'zod';
import { problem } from '../errors/index.js';
import { TimeseriesCache } from '../store/stats.js';
import { defineRoute } from '../http/route.js';

// One cache of closed buckets per gateway (by its configuration object: tests run several in one process).
const caches = new WeakMap<object, TimeseriesCache>();

/** Bucket size and count of each range: 60 × 1 min, 96 × 15 min, 84 × 2 h. */
export const RANGES = {
  '1h': { bucketSeconds: 60, buckets: 60 },
  '24h': { bucketSeconds: 15 * 60, buckets: 96 },
  '7d': { bucketSeconds: 2 * 3600, buckets: 84 },
} as const;

/** One bucket of the time series. */
export const bucketSchema = z.object({
  start: z.string().describe('Start of the bucket (ISO 8601)'),
  succeeded: z.number().int(),
  failed: z.number().int(),
  dead: z.number().int(),
  retrying: z.number().int().describe('Jobs waiting for a retry whose last attempt failed in this bucket'),
  latencyMs: z
    .object({ p50: z.number(), p95: z.number(), p99: z.number() })
    .nullable()
    .describe('From acceptance to final outcome, over the jobs that finished in the bucket; null when none did'),
});

function cacheOf(config: object): TimeseriesCache {
  let cache = caches.get(config);
  if (!cache) caches.set(config, (cache = new TimeseriesCache()));
  return cache;
}

/** `GET /v1/admin/stats/timeseries`: jobs per bucket by outcome and latency percentiles, for charts. */
export const statsTimeseries = defineRoute({
  method: 'get',
  path: '/v1/admin/stats/timeseries',
  operationId: 'stats.timeseries',
  summary: 'Jobs per minute by outcome and latency percentiles',
  description:
    'Buckets of 1 min (range 1h), 15 min (24h) or 2 h (7d), oldest first, empty ones included, of the caller’s environment (one instance with `instance`). Read from the job records with one statement over an index of finished jobs, cheap enough to refresh every few seconds.',
  tags: ['operator'],
  permission: 'admin:read',
  query: z.strictObject({
    range: z.enum(['1h', '24h', '7d']).default('1h'),
    instance: z.string().min(1).max(100).optional(),
  }),
  response: z.object({
    range: z.enum(['1h', '24h', '7d']),
    bucketSeconds: z.number().int(),
    instance: z.string().nullable(),
    buckets: z.array(bucketSchema),
  }),
  errors: [404],
  async handler({ deps, principal, query }) {
    // Another environment's instance answers like a missing one.
    if (query.instance !== undefined && deps.instances.get(query.instance)?.environment !== principal.environment)
      throw problem('NOT_FOUND', `No instance named "${query.instance}" in environment "${principal.environment}".`);
    const { bucketSeconds, buckets } = RANGES[query.range];
    return {
      range: query.range,
      bucketSeconds,
      instance: query.instance ?? null,
      buckets: await cacheOf(deps.config).get(deps.sql, {
        environment: principal.environment,
        instance: query.instance,
        bucketSeconds,
        buckets,
      }),
    };
  },
});
