import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { problem } from '../errors/index.js';
import { scopeAllows } from '../keys/keys.js';
import { authenticate, hasCredentials } from './auth.js';
import { defineRoute, reply, type Route } from './route.js';

/** Compares secrets in constant time (by their hashes, so lengths do not leak either). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** `/readyz`'s answer, ready or not. */
export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    components: z
      .record(z.string(), z.enum(['up', 'down', 'unknown']))
      .describe('`database`, `queue` and `upstream-1`, `upstream-2`, … (one per instance, unnamed)'),
    checks: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        'Details, for a caller with a valid API key: engines, and per reachable instance its last upstream health, circuits and queue counts',
      ),
  })
  .meta({ id: 'Readiness' });

// Node's HTTP parser answers malformed requests before the gateway sees them (no problem document, no body).
const parserRefusal = {
  '4XX': {
    description: "A request Node's HTTP parser refused (400 Bad Request, 431 headers too large), without a body",
  },
};

/** Liveness, readiness and Prometheus metrics (outside `/v1`: not audited). */
export const HEALTH_ROUTES: Route[] = [
  defineRoute<undefined, undefined, undefined, { status: 'ok' | 'stopping' }>({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness',
    description: 'Answers as long as the process serves HTTP; `stopping` while it shuts down. No key needed.',
    access: 'open',
    tags: ['operations'],
    response: z.object({ status: z.enum(['ok', 'stopping']) }),
    responseDescription: 'Alive',
    responses: parserRefusal,
    async handler({ deps }) {
      return { status: deps.isStopping() ? 'stopping' : 'ok' };
    },
  }),
  defineRoute<undefined, undefined, undefined, z.output<typeof ReadinessSchema>>({
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Readiness',
    description:
      '503 when the database or the queue is down. Upstream health is checked in the background and answered from that cache. Without a key: `status` and generic `components`; with a valid key, `checks` adds details for the instances it reaches.',
    // The key is optional (`{}` is the anonymous alternative): probes come without one.
    access: 'open',
    security: [{}, { apiKey: [] }],
    tags: ['operations'],
    response: ReadinessSchema,
    responseDescription: 'Ready',
    responses: {
      503: { description: 'Not ready (database or queue down, or shutting down)', schema: ReadinessSchema },
    },
    errors: [401, 429],
    errorDescriptions: { 401: 'An API key was sent and is unknown or revoked' },
    async handler({ ctx, deps }) {
      // Details (upstream answers can name the business, e.g. a WhatsApp number and its verified name) are for a
      // caller whose key reaches the instance.
      const key = hasCredentials(ctx) ? await authenticate(ctx, deps) : undefined;
      const ready = await deps.readiness(
        key ? (i) => i.environment === key.environment && scopeAllows(key.scopes, i.name) : undefined,
      );
      const ok = ready.ok && !deps.isStopping();
      return reply(
        {
          status: ok ? ('ready' as const) : ('not_ready' as const),
          components: ready.components as Record<string, 'up' | 'down' | 'unknown'>,
          ...(ready.checks ? { checks: ready.checks as Record<string, unknown> } : {}),
        },
        ok ? 200 : 503,
      );
    },
  }),
  defineRoute<undefined, undefined, undefined, string>({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    description:
      'Prometheus text exposition. Only for the metrics token (`metrics.token`, not an API key); off (404) when none is configured.',
    // Metrics name every instance of every environment: only for the holder of the metrics token.
    access: 'open',
    security: [{ metricsToken: [] }],
    tags: ['operations'],
    produces: ['text/plain'],
    response: z.string(),
    responseDescription: 'Prometheus text format',
    errors: [401, 404],
    errorDescriptions: {
      401: 'Missing or wrong metrics token',
      404: 'Metrics are off (no metrics token configured)',
    },
    async handler({ ctx, deps }) {
      const token = deps.config.metrics.token;
      if (!token)
        throw problem('NOT_FOUND', 'Metrics are off: set metrics.token (or RELAYKIT_METRICS_TOKEN) to serve them.');
      const sent = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'))?.[1]?.trim();
      if (!sent || !sameSecret(sent, token))
        throw problem('UNAUTHENTICATED', 'Send the metrics token as "Authorization: Bearer <token>".', {
          headers: { 'WWW-Authenticate': `Bearer realm="relaykit-metrics"${sent ? ', error="invalid_token"' : ''}` },
        });
      for (const instance of deps.instances.values()) {
        const counts = await deps.queue.counts(`jobs.${instance.name}`).catch(() => undefined);
        if (!counts) continue;
        for (const [state, value] of Object.entries(counts))
          deps.metrics.queueDepth.set({ instance: instance.name, state }, value);
      }
      ctx.type = deps.metrics.registry.contentType;
      return deps.metrics.registry.metrics();
    },
  }),
];
