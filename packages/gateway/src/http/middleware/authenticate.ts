import type { Middleware } from 'koa';
import { assertPermission, principalOfKey, type Permission, type Principal } from '../../ops/principal.js';
import { verifyApiKey } from '../auth.js';
import type { HttpDeps } from '../types.js';

/**
 * Middleware: the caller must send a valid API key (401 `UNAUTHENTICATED` otherwise), kept in `ctx.state.apiKey`.
 * With `{ session: true }` a console session's principal (set by the session middleware) stands in for a key.
 */
export function authenticate(deps: HttpDeps, options: { session?: boolean } = {}): Middleware {
  return async function authenticate(ctx, next) {
    if (!(options.session && ctx.state.principal)) await verifyApiKey(ctx, deps);
    await next();
  };
}

/**
 * Middleware (after {@link authenticate}): the caller (session user or API key) must hold the operator `permission`;
 * 403 `FORBIDDEN_SCOPE` naming it otherwise. The principal is kept in `ctx.state.principal`.
 */
export function requirePermission(permission: Permission): Middleware {
  return async function requirePermission(ctx, next) {
    const principal: Principal = (ctx.state.principal ??= principalOfKey(ctx.state.apiKey));
    assertPermission(principal, permission);
    await next();
  };
}
