import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import { problem } from '../errors/index.js';
import { problemMiddleware } from './problem.js';
import { createRouter } from './routes.js';
import { createScheduleRouter } from '../schedules/routes.js';
import type { GatewayState, HttpDeps } from './types.js';

/** Builds the gateway's Koa application (not listening). */
export function createApp(deps: HttpDeps): Koa<GatewayState> {
  const app = new Koa<GatewayState>();
  app.proxy = false;
  app.silent = true;
  const router = createRouter(deps);

  // Timing, metrics and the audit record wrap everything, including error responses.
  app.use(async (ctx, next) => {
    const started = performance.now();
    ctx.state.requestId = ctx.get('x-request-id').slice(0, 100) || randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    try {
      await next();
    } finally {
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const seconds = (performance.now() - started) / 1000;
      deps.metrics.httpRequests.inc({ route: String(route), method: ctx.method, status: String(ctx.status) });
      deps.metrics.httpDuration.observe({ route: String(route), method: ctx.method }, seconds);
      if (ctx.path.startsWith('/v1/')) {
        const audit = ctx.state.audit ?? {};
        void deps.audit
          .record({
            requestId: ctx.state.requestId,
            apiKeyId: ctx.state.apiKey?.id ?? null,
            environment: ctx.state.apiKey?.environment ?? null,
            method: ctx.method,
            path: ctx.path,
            instance: audit.instance ?? null,
            operation: audit.operation ?? null,
            jobId: audit.jobId ?? null,
            status: ctx.status,
            durationMs: seconds * 1000,
            payload: audit.payload,
          })
          .catch((err: unknown) => deps.logger.warn({ err: String(err) }, 'audit record failed'));
      }
    }
  });
  app.use(problemMiddleware(deps.logger));
  app.use(async (ctx, next) => {
    if (deps.isStopping() && ctx.method !== 'GET')
      throw problem('UNAVAILABLE', 'The gateway is shutting down; retry on another instance.', {
        headers: { 'Retry-After': '1', Connection: 'close' },
      });
    await next();
  });
  // Before the main router: `/v1/schedules/...` would otherwise match `/v1/:instance/:operation`.
  if (deps.schedules) app.use(createScheduleRouter(deps, deps.schedules).routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
