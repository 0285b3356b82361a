import { z } from 'zod';
import type { HttpDeps } from '../http/types.js';
import { queueNameOf } from '../runtime/instances.js';
import { instanceThroughput } from '../store/stats.js';
import { defineRoute } from '../http/route.js';

const windowSchema = z.object({
  finished: z.number().int().describe('Jobs that finished (succeeded, failed or dead)'),
  errors: z.number().int().describe('Of those, failed or dead'),
  perMinute: z.number(),
  errorRate: z.number().describe('errors / finished (0 when none finished)'),
});

const queueSchema = z
  .object({ waiting: z.number().int(), active: z.number().int(), delayed: z.number().int(), failed: z.number().int() })
  .nullable()
  .describe('Messages on the instance’s queue; null when the queue did not answer within 1 s');

/** One instance as the operator API shows it. */
export const instanceViewSchema = z.object({
  name: z.string(),
  environment: z.string(),
  connector: z.string(),
  health: z
    .object({
      ok: z.boolean().nullable().describe('null until the first background check finished'),
      checkedAt: z.string().nullable(),
      details: z.record(z.string(), z.unknown()).optional(),
    })
    .describe('The last background health check of the upstream (cached: reading it never calls the upstream)'),
  circuits: z
    .record(z.string(), z.enum(['closed', 'half-open', 'open', 'isolated']))
    .describe('Circuit breaker state per upstream (in this process)'),
  queue: queueSchema,
  rateLimit: z.object({
    windows: z.array(z.object({ limit: z.number(), windowMs: z.number(), burst: z.number().optional() })),
    waits: z.number().int().describe('Jobs that went through the instance’s limiters in this process'),
    waitedSeconds: z.number().describe('Time they spent waiting for them'),
  }),
  throughput: z.object({ last5m: windowSchema, last60m: windowSchema }),
});

/** One instance as the operator API shows it. */
export type InstanceView = z.infer<typeof instanceViewSchema>;

/** Queue counts within `ms`, or null. */
async function countsWithin(deps: HttpDeps, instance: string, ms: number): Promise<InstanceView['queue']> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const counts = await Promise.race([
      deps.queue.counts(queueNameOf(instance)),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
    return counts ? { failed: 0, ...counts } : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Rate-limit waits per instance measured by the gateway's histogram (count and total seconds). */
async function rateLimitWaits(deps: HttpDeps): Promise<Map<string, { waits: number; waitedSeconds: number }>> {
  const out = new Map<string, { waits: number; waitedSeconds: number }>();
  for (const value of (await deps.metrics.rateLimitWait.get()).values) {
    const instance = String(value.labels.instance);
    const entry = out.get(instance) ?? { waits: 0, waitedSeconds: 0 };
    const name = (value as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_count')) entry.waits += value.value;
    else if (name.endsWith('_sum')) entry.waitedSeconds += value.value;
    out.set(instance, entry);
  }
  return out;
}

/**
 * Every instance of `environment`: cached health, circuits, queue depths, rate limits and throughput. Costs one SQL
 * statement (throughput over the finished-jobs index) and one queue count per instance, done concurrently.
 */
export async function instancesOverview(deps: HttpDeps, environment: string): Promise<InstanceView[]> {
  const instances = [...deps.instances.values()].filter((i) => i.environment === environment);
  const [throughput, waits, queues] = await Promise.all([
    instanceThroughput(deps.sql, environment),
    rateLimitWaits(deps),
    Promise.all(instances.map((i) => countsWithin(deps, i.name, 1000))),
  ]);
  const idle = { finished: 0, errors: 0, perMinute: 0, errorRate: 0 };
  return instances.map((instance, i) => ({
    name: instance.name,
    environment: instance.environment,
    connector: instance.connector.name,
    health: deps.health?.get(instance.name) ?? { ok: null, checkedAt: null },
    circuits: instance.services?.circuits() ?? {},
    queue: queues[i] ?? null,
    rateLimit: {
      windows: instance.config.rateLimits.map((w) => ({
        limit: w.limit,
        windowMs: w.window,
        ...(w.burst ? { burst: w.burst } : {}),
      })),
      waits: waits.get(instance.name)?.waits ?? 0,
      waitedSeconds: Math.round((waits.get(instance.name)?.waitedSeconds ?? 0) * 1000) / 1000,
    },
    throughput: throughput.get(instance.name) ?? { last5m: idle, last60m: idle },
  }));
}

/** `GET /v1/admin/instances`: each instance of the caller's environment with its health, circuits, queue and throughput. */
export const listInstances = defineRoute({
  method: 'get',
  path: '/v1/admin/instances',
  operationId: 'instances.list',
  summary: 'Instances: health, circuits, queue depths, rate limits, throughput',
  description:
    "Every instance of the caller's environment. Health is the last background check (cached); circuits and rate-limit waits are this process's; queue depths come from the queue engine; throughput and error rate over the last 5 and 60 minutes come from the job records.",
  tags: ['operator'],
  permission: 'admin:read',
  query: z.strictObject({}),
  response: z.object({ instances: z.array(instanceViewSchema) }),
  async handler({ deps, principal }) {
    return { instances: await instancesOverview(deps, principal.environment) };
  },
});
