import { inSpan, SpanKind } from '@relaykit/sdk-core';
import type { Context, Next } from 'koa';

/**
 * A server span per request (continuing an incoming `traceparent`), named by the matched route once routing is
 * done; jobs submitted inside it store its context, so their attempts join the same trace. Without
 * OpenTelemetry it only calls `next`.
 */
export function traceRequests() {
  return async function traceRequest(ctx: Context, next: Next): Promise<void> {
    await inSpan(
      ctx.method,
      {
        kind: SpanKind.SERVER,
        tracer: '@relaykit/gateway',
        parent: ctx.headers,
        attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path },
      },
      async (span) => {
        try {
          await next();
        } finally {
          const route = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
          if (typeof route === 'string') {
            span.updateName(`${ctx.method} ${route}`);
            span.setAttribute('http.route', route);
          }
          span.setAttribute('http.response.status_code', ctx.status);
          if (ctx.status >= 500) span.fail(String(ctx.status));
        }
      },
    );
  };
}
