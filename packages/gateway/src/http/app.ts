import { traceRequests } from './tracing.js';
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import { problem } from '../errors/index.js';
import { noSniff } from './no-sniff.js';
import { problemMiddleware } from './problem.js';
import { createRouter } from './routes.js';
import { sessionMiddleware } from './session.js';
import type { GatewayState, HttpDeps } from './types.js';

/** The `X-Purpose` header as stored: printable text, at most 200 characters; null when absent. */
const purposeOf = (header: string) => header.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '').slice(0, 200) || null;

/** Builds the gateway's Koa application (not listening). */
export function createApp(deps: HttpDeps): Koa<GatewayState> {
  const app = new Koa<GatewayState>();
  app.proxy = false;
  app.silent = true;
  const router = createRouter(deps);

  // Timing, metrics and the audit record wrap everything, including error responses.
  // Browsers must not sniff a type into our answers: the webhook handshake echoes attacker-chosen text.
  app.use(traceRequests());
  app.use(noSniff());
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
      if (ctx.state.auditRefused) {
        // Not queued (the backlog is the problem), but not silent either: one log line per refused call.
        deps.logger.warn(
          { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, backlog: deps.audit.backlog },
          'refused: the audit log cannot be written',
        );
      } else if (ctx.path.startsWith('/v1/')) {
        const audit = ctx.state.audit ?? {};
        void deps.audit
          .record({
            requestId: ctx.state.requestId,
            apiKeyId: ctx.state.apiKey?.id ?? null,
            actor: ctx.state.principal ? `${ctx.state.principal.kind}:${ctx.state.principal.id}` : undefined,
            environment: ctx.state.principal?.environment ?? ctx.state.apiKey?.environment ?? null,
            method: ctx.method,
            path: ctx.path,
            instance: audit.instance ?? null,
            operation: audit.operation ?? null,
            jobId: audit.jobId ?? null,
            status: ctx.status,
            durationMs: seconds * 1000,
            payload: audit.payload,
            purpose: purposeOf(ctx.get('x-purpose')),
            ...(audit.reads && ctx.status < 300 ? { reads: audit.reads } : {}),
          })
          .catch((err: unknown) => deps.logger.warn({ err: String(err) }, 'audit record failed'));
      }
    }
  });
  app.use(problemMiddleware(deps.logger));
  app.use(async (ctx, next) => {
    // A call that cannot be audited is not served: an audit trail that can be switched off is none.
    if (ctx.path.startsWith('/v1/') && deps.audit.backlogged) {
      ctx.state.auditRefused = true;
      throw problem('AUDIT_UNAVAILABLE', 'The audit log cannot be written at the moment; retry later.', {
        headers: { 'Retry-After': '5' },
      });
    }
    if (deps.isStopping() && ctx.method !== 'GET')
      throw problem('UNAVAILABLE', 'The gateway is shutting down; retry on another instance.', {
        headers: { 'Retry-After': '1', Connection: 'close' },
      });
    await next();
  });
  app.use(sessionMiddleware(deps));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
