import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { problem } from '../errors/index.js';
import { scopeAllows } from '../keys/keys.js';
import { registerOpsRoutes } from '../ops/index.js';
import { PRIVACY_ROUTES } from '../privacy/routes.js';
import { SCHEDULE_ROUTES } from '../schedules/routes.js';
import { authenticate, hasCredentials } from './auth.js';
import { registerConsoleAuthRoutes } from './console-auth.js';
import { registerConsoleRoutes } from './console-static.js';
import { JOB_ROUTES, SUBMIT_ROUTE } from './jobs-routes.js';
import { mountRoutes } from './route.js';
import type { HttpDeps } from './types.js';
import { WEBHOOK_ROUTES } from './webhook-routes.js';

/** Compares secrets in constant time (by their hashes, so lengths do not leak either). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Builds the gateway's router. */
export function createRouter(deps: HttpDeps): Router {
  const router = new Router();

  // A browser pointed at the gateway lands on the console; /docs is the API reference.
  registerConsoleRoutes(router, { title: 'relaykit gateway' });
  // Before /v1/{instance}/{operation}, which would otherwise take POST /v1/admin/keys.
  registerConsoleAuthRoutes(router, deps);
  registerOpsRoutes(router, deps);
  mountRoutes(router, deps, PRIVACY_ROUTES);

  router.get('/healthz', (ctx) => {
    ctx.body = { status: deps.isStopping() ? 'stopping' : 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    // Probes come without a key and see only which parts are up; details (upstream answers can name the business,
    // e.g. a WhatsApp number and its verified name) are for a caller whose key reaches the instance.
    const key = hasCredentials(ctx) ? await authenticate(ctx, deps) : undefined;
    const ready = await deps.readiness(
      key ? (i) => i.environment === key.environment && scopeAllows(key.scopes, i.name) : undefined,
    );
    ctx.status = ready.ok && !deps.isStopping() ? 200 : 503;
    ctx.body = {
      status: ctx.status === 200 ? 'ready' : 'not_ready',
      components: ready.components,
      ...(ready.checks ? { checks: ready.checks } : {}),
    };
  });

  router.get('/metrics', async (ctx) => {
    // Metrics name every instance of every environment: only for the holder of the metrics token.
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
    ctx.body = await deps.metrics.registry.metrics();
  });

  // Without a key: the generic document (unless docs.public); a key sees the operations it reaches.
  router.get('/openapi.json', async (ctx) => {
    const doc = deps.openapi(hasCredentials(ctx) ? await authenticate(ctx, deps) : undefined);
    // The server is the one that was asked: clients generated from the document call it back where they found it.
    ctx.body = { ...doc, servers: [{ url: `${ctx.protocol}://${ctx.host}`, description: 'This gateway' }] };
  });

  mountRoutes(router, deps, [...JOB_ROUTES, ...WEBHOOK_ROUTES]);
  // Before `/v1/{instance}/{operation}`, which would otherwise take POST /v1/schedules.
  if (deps.schedules) mountRoutes(router, deps, SCHEDULE_ROUTES);
  mountRoutes(router, deps, [SUBMIT_ROUTE]);
  return router;
}
