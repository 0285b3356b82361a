import Router from '@koa/router';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ROUTES } from '../gateway-routes.js';
import { koaPath, mountRoutes } from '../route.js';
import type { HttpDeps } from '../types.js';

// The route mechanism applies auth, the per-key rate limit and Idempotency-Key handling as named middleware, in a
// fixed order, instead of each handler calling them: the chain of every mounted route says so.
const router = new Router();
// Mounting only builds the chains (the factories keep `deps` for the requests); nothing is called here.
mountRoutes(router, {} as HttpDeps, GATEWAY_ROUTES);

function chain(method: string, path: string): string[] {
  const layer = router.stack.find((l) => l.path === koaPath(path) && l.methods.includes(method));
  if (!layer) throw new Error(`${method} ${path} is not mounted`);
  return layer.stack.map((fn) => fn.name);
}

describe('route middleware', () => {
  it('an API-key route: authenticate, then its rate limit, then the Idempotency-Key around validation', () => {
    expect(chain('POST', '/v1/jobs/batch')).toEqual([
      'auditRecord',
      'authenticate',
      'rateLimitPerKey',
      'readBody',
      'idempotencyKey',
      'handle',
    ]);
    expect(chain('POST', '/v1/{instance}/{operation}')).toEqual([
      'auditRecord',
      'authenticate',
      'rateLimitPerKey',
      'resolveSubmit',
      'readBody',
      'idempotencyKey',
      'handle',
    ]);
    expect(chain('GET', '/v1/jobs/{id}')).toEqual([
      'auditRecord',
      'authenticate',
      'rateLimitPerKey',
      'readBody',
      'handle',
    ]);
  });

  it('an operator route: the permission after authentication and rate limit, before the route’s own middleware', () => {
    expect(chain('POST', '/v1/privacy/erasure')).toEqual([
      'auditRecord',
      'authenticate',
      'rateLimitPerKey',
      'requirePermission',
      'auditUser',
      'privacyAvailable',
      'readBody',
      'handle',
    ]);
  });

  it('an open route (webhooks) has no authentication nor key rate limit', () => {
    for (const method of ['GET', 'POST'])
      expect(chain(method, '/v1/webhooks/{instance}')).toEqual(['auditRecord', 'readBody', 'handle']);
  });

  it('every route that takes an API key is rate limited, and only after authenticate', () => {
    for (const layer of router.stack) {
      const names = layer.stack.map((fn) => fn.name);
      if (!names.includes('authenticate')) continue;
      expect(names.indexOf('rateLimitPerKey'), String(layer.path)).toBe(names.indexOf('authenticate') + 1);
    }
  });
});
