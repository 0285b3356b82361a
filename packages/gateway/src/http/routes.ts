import Router from '@koa/router';
import { registerOpsRoutes } from '../ops/index.js';
import { PRIVACY_ROUTES } from '../privacy/routes.js';
import { SCHEDULE_ROUTES } from '../schedules/routes.js';
import { authenticate, hasCredentials } from './auth.js';
import { CONSOLE_AUTH_ROUTES } from './console-auth.js';
import { registerConsoleRoutes } from './console-static.js';
import { HEALTH_ROUTES } from './health-routes.js';
import { JOB_ROUTES, SUBMIT_ROUTE } from './jobs-routes.js';
import { mountRoutes } from './route.js';
import type { HttpDeps } from './types.js';
import { WEBHOOK_ROUTES } from './webhook-routes.js';

/** Builds the gateway's router. */
export function createRouter(deps: HttpDeps): Router {
  const router = new Router();

  // A browser pointed at the gateway lands on the console; /docs is the API reference.
  registerConsoleRoutes(router, { title: 'relaykit gateway' });
  // Before /v1/{instance}/{operation}, which would otherwise take POST /v1/admin/keys.
  mountRoutes(router, deps, CONSOLE_AUTH_ROUTES);
  registerOpsRoutes(router, deps);
  mountRoutes(router, deps, PRIVACY_ROUTES);

  mountRoutes(router, deps, HEALTH_ROUTES);

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
