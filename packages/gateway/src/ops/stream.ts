import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { problem } from '../errors/index.js';
import type { HttpDeps } from '../http/types.js';
import { queueNameOf } from '../runtime/instances.js';
import { jobTimeseries } from '../store/stats.js';
import { defineRoute } from '../http/route.js';
import { bucketSchema } from './timeseries.js';

/** Minutes of per-minute counts each `stats` event carries. */
const STATS_MINUTES = 5;

/** The data of one `event: stats`. */
export const liveStatsSchema = z.object({
  at: z.string(),
  jobs: z.array(bucketSchema).describe(`The last ${STATS_MINUTES} one-minute buckets, oldest first`),
  instances: z.array(
    z.object({
      name: z.string(),
      healthy: z.boolean().nullable(),
      circuits: z.record(z.string(), z.enum(['closed', 'half-open', 'open', 'isolated'])),
      queue: z.object({ waiting: z.number(), active: z.number(), delayed: z.number(), failed: z.number() }).nullable(),
    }),
  ),
});

/** What one `stats` event says about an environment. */
export async function liveStats(deps: HttpDeps, environment: string): Promise<z.infer<typeof liveStatsSchema>> {
  const instances = [...deps.instances.values()].filter((i) => i.environment === environment);
  const [jobs, queues] = await Promise.all([
    jobTimeseries(deps.sql, { environment, bucketSeconds: 60, buckets: STATS_MINUTES }),
    Promise.all(
      instances.map((i) =>
        deps.queue.counts(queueNameOf(i.name)).then(
          (counts) => ({ failed: 0, ...counts }),
          () => null,
        ),
      ),
    ),
  ]);
  return {
    at: new Date().toISOString(),
    jobs,
    instances: instances.map((instance, i) => ({
      name: instance.name,
      healthy: deps.health?.get(instance.name).ok ?? null,
      circuits: instance.services?.circuits() ?? {},
      queue: queues[i] ?? null,
    })),
  };
}

// Streams of one environment share a read: N open consoles cost one set of queries per interval, not N.
const shared = new WeakMap<object, Map<string, { at: number; stats: ReturnType<typeof liveStats> }>>();

/** {@link liveStats}, reused by every stream of the environment for up to `maxAgeMs`. */
function sharedStats(deps: HttpDeps, environment: string, maxAgeMs: number): ReturnType<typeof liveStats> {
  let byEnvironment = shared.get(deps.config);
  if (!byEnvironment) shared.set(deps.config, (byEnvironment = new Map()));
  const cached = byEnvironment.get(environment);
  if (cached && Date.now() - cached.at < maxAgeMs) return cached.stats;
  const stats = liveStats(deps, environment);
  byEnvironment.set(environment, { at: Date.now(), stats });
  // A failed read is not shared: the next stream tries again.
  stats.catch(() => {
    if (byEnvironment.get(environment)?.stats === stats) byEnvironment.delete(environment);
  });
  return stats;
}

/** An open live stream: closed once, every timer cleared. */
export interface LiveStream {
  readonly closed: boolean;
  /** Timers still armed (0 once closed). */
  timers(): number;
}

// By the gateway's configuration object: one set per gateway (tests run several in one process).
const open = new WeakMap<object, Set<LiveStream>>();

/** The live streams the gateway with this configuration (`gateway.config`) serves now. */
export function liveStreams(config: object): ReadonlySet<LiveStream> {
  let set = open.get(config);
  if (!set) open.set(config, (set = new Set()));
  return set;
}

/**
 * `GET /v1/admin/stream`: Server-Sent Events. Every `ops.streamInterval` (2 s) an `event: stats` (see
 * {@link liveStatsSchema}), a `: heartbeat` comment every `ops.streamHeartbeat`; a failed read sends `event: error`
 * and the stream goes on. The stream ends, its timers cleared, when the client goes away or the gateway shuts down.
 * At most `ops.maxStreams` per process: one more is refused with 503 `TOO_MANY_STREAMS`.
 */
export const liveStream = defineRoute({
  method: 'get',
  path: '/v1/admin/stream',
  operationId: 'stream',
  summary: 'Live statistics (Server-Sent Events)',
  description:
    'Every ~2 s an `event: stats` whose data is one JSON object (`at`, `jobs`: the last minutes’ counts by outcome, `instances`: queue depths, circuits, health), with heartbeat comments between. Limited per process (503 `TOO_MANY_STREAMS` beyond).',
  tags: ['operator'],
  permission: 'admin:read',
  query: z.strictObject({}),
  produces: ['text/event-stream'],
  response: liveStatsSchema,
  async handler({ ctx, deps, principal }) {
    const streams = liveStreams(deps.config) as Set<LiveStream>;
    const { maxStreams, streamInterval, streamHeartbeat } = deps.config.ops;
    if (streams.size >= maxStreams)
      throw problem('TOO_MANY_STREAMS', `This gateway process already serves ${maxStreams} live streams.`, {
        headers: { 'Retry-After': '5' },
      });
    if (deps.isStopping() || deps.shutdown?.aborted)
      throw problem('UNAVAILABLE', 'The gateway is shutting down; retry on another instance.', {
        headers: { 'Retry-After': '1' },
      });
    const body = new PassThrough();
    // Every timer of this stream is armed through these, so `timers()` counts what is really still scheduled.
    const armed = new Set<NodeJS.Timeout>();
    const disarm = (timer: NodeJS.Timeout | undefined) => {
      if (!timer) return;
      clearTimeout(timer);
      armed.delete(timer);
    };
    let tick: NodeJS.Timeout | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    let sequence = 0;
    const handle: LiveStream = {
      closed: false,
      timers: () => armed.size,
    };
    const close = () => {
      if (handle.closed) return;
      (handle as { closed: boolean }).closed = true;
      disarm(tick);
      disarm(heartbeat);
      streams.delete(handle);
      deps.shutdown?.removeEventListener('abort', close);
      body.end();
    };
    const send = async () => {
      let event: string;
      try {
        const data = await sharedStats(deps, principal.environment, streamInterval / 2);
        event = `event: stats\nid: ${++sequence}\ndata: ${JSON.stringify(data)}\n\n`;
      } catch (error) {
        deps.logger.warn({ err: String(error) }, 'live stream: statistics could not be read');
        event = `event: error\ndata: ${JSON.stringify({ code: 'UNAVAILABLE', message: 'statistics could not be read; retrying' })}\n\n`;
      }
      if (handle.closed) return;
      body.write(event);
      // The next read is planned once this one finished: a slow database never piles reads up.
      const next = setTimeout(() => {
        armed.delete(next);
        void send();
      }, streamInterval);
      armed.add(next);
      tick = next;
    };
    streams.add(handle);
    ctx.res.once('close', close);
    body.once('close', close);
    deps.shutdown?.addEventListener('abort', close, { once: true });
    heartbeat = setInterval(() => body.write(': heartbeat\n\n'), streamHeartbeat);
    armed.add(heartbeat);
    ctx.req.socket.setNoDelay(true);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.type = 'text/event-stream; charset=utf-8';
    // Tells EventSource how long to wait before reconnecting; the first event follows at once.
    body.write(`retry: ${Math.max(1000, streamInterval)}\n\n`);
    void send();
    return body;
  },
});
