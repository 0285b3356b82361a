import type Router from '@koa/router';
import type { HttpDeps } from '../http/types.js';
import { DEAD_LETTER_ROUTES } from './dead-letters-routes.js';
import { ERROR_ROUTES } from './errors-routes.js';
import { JOB_ROUTES } from './jobs-routes.js';
import { OBS_ROUTES } from './obs-routes.js';
import { mountRoutes, type Route } from '../http/route.js';
import { USER_ROUTES } from '../users/routes.js';
import { SCHEDULE_ADMIN_ROUTES } from '../schedules/admin-routes.js';
import { ENCRYPTION_ROUTES } from '../privacy/encryption-routes.js';

export { defineRoute, mountRoutes, type Route, type RouteRequest, type RouteSpec } from '../http/route.js';
export {
  requirePermission,
  currentPrincipal,
  principalOfKey,
  PERMISSIONS,
  type Permission,
  type Principal,
} from './principal.js';

/**
 * Every operator route (`/v1/admin/...`), each defined once with {@link defineRoute}: add a route here and it is
 * served, validated, permission-checked, audited and documented.
 */
export const OPS_ROUTES: Route[] = [
  ...JOB_ROUTES,
  ...DEAD_LETTER_ROUTES,
  ...ERROR_ROUTES,
  ...OBS_ROUTES,
  ...USER_ROUTES,
  ...SCHEDULE_ADMIN_ROUTES,
  ...ENCRYPTION_ROUTES,
];

/** Mounts {@link OPS_ROUTES}; call before `/v1/{instance}/{operation}`, which would otherwise take them. */
export function registerOpsRoutes(router: Router, deps: HttpDeps): void {
  mountRoutes(router, deps, OPS_ROUTES);
}
