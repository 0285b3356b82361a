import { CONSOLE_AUTH_ROUTES } from './console-auth.js';
import { OPS_ROUTES } from '../ops/index.js';
import { PRIVACY_ROUTES } from '../privacy/routes.js';
import { SCHEDULE_ROUTES } from '../schedules/routes.js';
import { JOB_ROUTES, SUBMIT_ROUTE } from './jobs-routes.js';
import { HEALTH_ROUTES } from './health-routes.js';
import type { Route } from './route.js';
import { WEBHOOK_ROUTES } from './webhook-routes.js';

/**
 * Every route defined with `defineRoute`, in the order they are matched (`/v1/{instance}/{operation}` last: it would
 * take any `/v1/x/y`): served, validated, permission-checked and documented from the same definitions.
 */
export const GATEWAY_ROUTES: readonly Route[] = [
  ...CONSOLE_AUTH_ROUTES,
  ...OPS_ROUTES,
  ...PRIVACY_ROUTES,
  ...HEALTH_ROUTES,
  ...JOB_ROUTES,
  ...WEBHOOK_ROUTES,
  ...SCHEDULE_ROUTES,
  SUBMIT_ROUTE,
];
