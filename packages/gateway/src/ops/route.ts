import type { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { problem } from '../errors/index.js';
import { parseJson, readRawBody } from '../http/body.js';
import type { HttpDeps } from '../http/types.js';
import { requirePermission, type Permission, type Principal } from './principal.js';

/** What a route handler gets: the validated input, the caller and a way to ask for a further permission. */
export interface OpsRequest<P, Q, B> {
  ctx: Context;
  deps: HttpDeps;
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  /** Checks one more permission (e.g. `admin:reveal` for `?reveal=true`); 403 without it. */
  require(permission: Permission): Promise<void>;
  /** Adds to the audit record of this request (merged into its payload; `jobId` also fills the job column). */
  audit(payload: Record<string, unknown>, jobId?: string): void;
}

type Method = 'get' | 'post' | 'delete' | 'patch' | 'put';

/** The definition of one operator route: its schemas validate the request and produce the OpenAPI entry. */
export interface OpsRouteSpec<P, Q, B, R> {
  method: Method;
  /** OpenAPI form, e.g. `/v1/admin/jobs/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  permission: Permission;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** A request body the route accepts, shown in the document (every POST has one). */
  example?: unknown;
  response: z.ZodType<R>;
  /**
   * Media types of the success response when not JSON (e.g. `text/csv`, `text/event-stream`): the handler then
   * sets `ctx.type` and returns the body (a stream), and `response` documents each media type's schema.
   */
  produces?: string[];
  /** Success status (default 200). */
  status?: number;
  tags: string[];
  /** Problem statuses to document besides 400/401/403/429 (e.g. 404, 409). */
  errors?: number[];
  /** The response body: `R` as JSON, or a stream of the `produces` media type. */
  handler(request: OpsRequest<P, Q, B>): Promise<R | Readable>;
}

/** A defined route (see {@link defineRoute}); mounted by {@link mountRoutes}, documented by `withOpsOpenApi`. */
// biome-ignore lint/suspicious/noExplicitAny: variance: a list holds routes whatever their params, query, body and response types
export type OpsRoute = OpsRouteSpec<any, any, any, any>;

/** Defines an operator route once: the same zod schemas validate the request and generate its OpenAPI entry. */
export function defineRoute<P = undefined, Q = undefined, B = undefined, R = unknown>(
  spec: OpsRouteSpec<P, Q, B, R>,
): OpsRoute {
  return spec as OpsRoute;
}

/** A path in Koa's form (`/v1/admin/jobs/:id`). */
export const koaPath = (path: string) => path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');

/** True when `value` holds a NUL anywhere: PostgreSQL text cannot, so it is refused before any SQL sees it. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v, depth + 1));
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: 'params' | 'query' | 'body'): T {
  if (!schema) return undefined as T;
  if (hasNul(value))
    throw problem('VALIDATION', `The ${where} holds a NUL character.`, {
      extensions: { errors: [{ path: where, message: 'NUL characters are not allowed' }] },
    });
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({
    path: [where, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))].join('.'),
    message: i.message,
  }));
  throw problem('VALIDATION', `Invalid ${where}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
    extensions: { errors },
  });
}

/**
 * Registers routes on `router`. Each request: the caller must hold the route's permission (401/403 first, so
 * outsiders learn nothing of the inputs), then params, query and body are validated (400 `VALIDATION` with each
 * issue), and the call is audited as `admin:<operationId>` with the caller and its outcome.
 */
export function mountRoutes(router: Router, deps: HttpDeps, routes: readonly OpsRoute[]): void {
  for (const route of routes) {
    router[route.method](koaPath(route.path), async (ctx) => {
      const audit: Record<string, unknown> = {};
      ctx.state.audit = { operation: `admin:${route.operationId}`, payload: audit };
      const principal = await requirePermission(ctx, deps, route.permission);
      // A console user's actions name the user; a key is already recorded by id.
      if (principal.kind === 'user') audit.user = { id: principal.id, name: principal.name };
      const params = validate(route.params, ctx.params, 'params');
      const query = validate(route.query, ctx.query, 'query');
      let body: unknown;
      if (route.body) {
        const raw = await readRawBody(ctx, deps.config.server.bodyLimit);
        body = validate(route.body, parseJson(ctx, raw, deps.config.server.maxJsonDepth), 'body');
      }
      const result = await route.handler({
        ctx,
        deps,
        principal,
        params,
        query,
        body,
        async require(permission) {
          await requirePermission(ctx, deps, permission);
        },
        audit(payload, jobId) {
          Object.assign(audit, payload);
          if (jobId) ctx.state.audit = { ...ctx.state.audit, jobId };
        },
      });
      ctx.status = route.status ?? 200;
      ctx.body = result;
    });
  }
}
