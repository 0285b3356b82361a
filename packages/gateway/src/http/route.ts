import type { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { problem } from '../errors/index.js';
import type { ApiKey } from '../keys/keys.js';
import { requirePermission as checkPermission, type Permission, type Principal } from '../ops/principal.js';
import { parseJson, readRawBody } from './body.js';
import { authenticate, requirePermission } from './middleware/authenticate.js';
import { idempotencyKey, type IdempotencyKeyOptions } from './middleware/idempotency-key.js';
import { rateLimitPerKey } from './middleware/rate-limit.js';
import type { HttpDeps } from './types.js';

/** What a route handler gets: the validated input, the caller and a way to ask for a further permission. */
export interface RouteRequest<P, Q, B> {
  ctx: Context;
  deps: HttpDeps;
  /** The caller: a console user or an API key (for `access: 'open'` routes, an anonymous placeholder). */
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  /** The API key of the request; throws on a route a console session or anyone may call without one. */
  key(): ApiKey;
  /** The request body as sent (read before validation); empty for routes without a body. */
  raw: Buffer;
  /** Checks one more permission (e.g. `admin:reveal` for `?reveal=true`); 403 without it. */
  require(permission: Permission): Promise<void>;
  /** Adds to the audit record of this request (merged into its payload; `jobId` also fills the job column). */
  audit(payload: Record<string, unknown>, jobId?: string): void;
}

/** A handler's answer with a status or headers of its own (see {@link reply}). */
export class Reply<R = unknown> {
  constructor(
    readonly body: R,
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Answers with `status` (one the route documents) and `headers` (e.g. `Location`); stored with the body for replay. */
export const reply = <R>(body: R, status: number, headers: Record<string, string> = {}) =>
  new Reply(body, status, headers);

type Method = 'get' | 'post' | 'delete' | 'patch' | 'put';

/** A further documented success answer of a route (e.g. 202 beside 200). */
export interface RouteResponse {
  description: string;
  /** The body's schema (none: an empty answer, e.g. 204). */
  schema?: z.ZodType;
  /** Media types, default `application/json`. */
  produces?: readonly string[];
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
  example?: unknown;
}

/**
 * The definition of one gateway route: who may call it, its zod schemas (which validate the request and produce the
 * OpenAPI entry), the middleware it needs and its handler.
 */
export interface RouteSpec<P, Q, B, R> {
  method: Method;
  /** OpenAPI form, e.g. `/v1/admin/jobs/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /**
   * Who may call: an operator `permission` (an API key with the matching `admin:` scope, or a console user whose role
   * grants it), or with `access`: `'apiKey'` (any valid key; the handler checks the instance scopes), `'session'`
   * (a logged-in console user, whatever the role; 401 otherwise) or `'open'` (anyone; e.g. webhooks, verified by their
   * signature).
   */
  permission?: Permission;
  access?: 'apiKey' | 'session' | 'open';
  params?: z.ZodType<P>;
  /** Path parameters that fail `params` name nothing: 404 `NOT_FOUND` (ids are not confirmed) instead of a 400. */
  paramsNotFound?: boolean;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** A body the handler reads itself (e.g. to verify a signature over its bytes): documented, not validated here. */
  rawBody?: { schema: z.ZodType; description?: string };
  /** A request body the route accepts, shown in the document (every POST has one). */
  example?: unknown;
  /** The success body (none: an empty answer, e.g. 204). */
  response?: z.ZodType<R>;
  /** The success answer's description (default `OK`). */
  responseDescription?: string;
  /** Headers of the success answer, documented. */
  responseHeaders?: Record<string, { description: string; schema: Record<string, unknown> }>;
  /**
   * Media types of the success response when not JSON (e.g. `text/csv`, `text/event-stream`): the handler then
   * sets `ctx.type` and returns the body (a stream), and `response` documents each media type's schema.
   */
  produces?: readonly string[];
  /** Success status (default 200). */
  status?: number;
  /** Other answers with a body of their own (e.g. 202 while an erasure still runs, `/readyz`'s 503, `4XX`). */
  responses?: Record<string | number, RouteResponse>;
  /** The documented security requirements when not the route's default (e.g. an optional key, another token). */
  security?: Array<Record<string, string[]>>;
  tags: readonly string[];
  /** Problem statuses to document besides 400/401/403/429/503 (e.g. 404, 409). */
  errors?: readonly number[];
  /** Descriptions of problem statuses where this route's differ from the usual ones. */
  errorDescriptions?: Record<number, string>;
  /**
   * The operation recorded in the audit (default `admin:<operationId>` for operator routes); the handler may name the
   * instance, job and payload with `audit()`.
   */
  audit?: string;
  /** Body validation failures list paths as `body.<field>` (default, the operator API) or `<field>` (`bare`). */
  bodyIssues?: 'prefixed' | 'bare';
  /** The detail's start when the body is invalid (default `Invalid body`). */
  invalidBody?: string;
  /** The most bytes the body may have (default `server.bodyLimit`); more is a 413. */
  bodyLimit?: number;
  /** How deep the JSON body may nest (default `server.maxJsonDepth`). */
  maxJsonDepth?: number;
  /** `Idempotency-Key` handling (documented as a header; 409/422 as problems). */
  idempotency?: IdempotencyKeyOptions;
  /** Route middleware factories (given the gateway's deps), run after the caller is known and before the request is validated. */
  use?: ReadonlyArray<(deps: HttpDeps) => Middleware>;
  /** Where the route is documented: always (default), only in the generic document (no instance shown), or not. */
  document?: 'always' | 'generic' | false;
  /** The response body: `R` as JSON (or a {@link Reply}), or a stream of the `produces` media type. */
  handler(request: RouteRequest<P, Q, B>): Promise<R | Reply<R> | Readable | undefined>;
}

/** A defined route (see {@link defineRoute}); mounted by {@link mountRoutes}, documented by `withRoutesOpenApi`. */
// biome-ignore lint/suspicious/noExplicitAny: variance: a list holds routes whatever their params, query, body and response types
export type Route = RouteSpec<any, any, any, any>;

/** Defines a route once: the same zod schemas validate the request and generate its OpenAPI entry. */
export function defineRoute<P = undefined, Q = undefined, B = undefined, R = unknown>(
  spec: RouteSpec<P, Q, B, R>,
): Route {
  if (!spec.permission && !spec.access) throw new TypeError(`route ${spec.operationId}: name a permission or access`);
  return spec as Route;
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

/** Validates one part of the request: 400 `VALIDATION` listing each issue (`errors`). */
export function validate<T>(
  schema: z.ZodType<T> | undefined,
  value: unknown,
  where: 'params' | 'query' | 'body',
  options: { prefix?: boolean; message?: string } = {},
): T {
  if (!schema) return undefined as T;
  if (hasNul(value))
    throw problem('VALIDATION', `The ${where} holds a NUL character.`, {
      extensions: { errors: [{ path: where, message: 'NUL characters are not allowed' }] },
    });
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const prefix = options.prefix === false ? [] : [where];
  const errors = parsed.error.issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))].join('.'),
    message: i.message,
  }));
  throw problem(
    'VALIDATION',
    `${options.message ?? `Invalid ${where}`}: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
    { extensions: { errors } },
  );
}

/** A console session (resolved by the session middleware, which also checks its CSRF token) or 401. */
const requireSession: Middleware = async function requireSession(ctx, next) {
  if (!ctx.state.session) throw problem('UNAUTHENTICATED', 'Log in to the console first (POST /v1/admin/login).');
  await next();
};

const ANONYMOUS: Principal = { kind: 'key', id: '', name: 'anonymous', environment: '', permissions: [] };

/** The middleware chain of one route: caller, rate limit, its own middleware, body, idempotency, validation, handler. */
function chainOf(deps: HttpDeps, route: Route): Middleware[] {
  const steps: Middleware[] = [];
  const auditName = route.audit ?? (route.permission ? `admin:${route.operationId}` : undefined);
  steps.push(async function auditRecord(ctx, next) {
    if (auditName) ctx.state.audit = { ...ctx.state.audit, operation: auditName, payload: {} };
    await next();
  });
  if (route.permission) {
    // A console session (operator routes under /v1/admin) stands in for a key; outsiders get 401/403 before any input is read.
    steps.push(authenticate(deps, { session: true }), rateLimitPerKey(deps), requirePermission(route.permission));
    steps.push(async function auditUser(ctx, next) {
      const principal = ctx.state.principal as Principal;
      // A console user's actions name the user; a key is already recorded by id.
      if (principal.kind === 'user')
        ctx.state.audit = {
          ...ctx.state.audit,
          payload: { ...(ctx.state.audit?.payload as object), user: { id: principal.id, name: principal.name } },
        };
      await next();
    });
  } else if (route.access === 'apiKey') steps.push(authenticate(deps), rateLimitPerKey(deps));
  else if (route.access === 'session') steps.push(requireSession);
  steps.push(...(route.use ?? []).map((factory) => factory(deps)));
  const depth = route.maxJsonDepth;
  steps.push(async function readBody(ctx, next) {
    ctx.state.rawBody =
      route.body || route.idempotency
        ? await readRawBody(ctx, route.bodyLimit ?? deps.config.server.bodyLimit)
        : Buffer.alloc(0);
    await next();
  });
  if (route.idempotency) steps.push(idempotencyKey(deps, route.idempotency));
  steps.push(async function handle(ctx) {
    let params: unknown;
    try {
      params = validate(route.params, ctx.params, 'params');
    } catch (error) {
      if (route.paramsNotFound) throw problem('NOT_FOUND', 'Nothing at this path.');
      throw error;
    }
    const query = validate(route.query, ctx.query, 'query');
    const raw = ctx.state.rawBody as Buffer;
    const body = route.body
      ? validate(route.body, parseJson(ctx, raw, depth ?? deps.config.server.maxJsonDepth), 'body', {
          prefix: route.bodyIssues !== 'bare',
          ...(route.invalidBody ? { message: route.invalidBody } : {}),
        })
      : undefined;
    const result = await route.handler({
      ctx,
      deps,
      principal:
        (ctx.state.principal as Principal | undefined) ??
        (ctx.state.apiKey
          ? {
              kind: 'key',
              id: ctx.state.apiKey.id,
              name: ctx.state.apiKey.name,
              environment: ctx.state.apiKey.environment,
              permissions: [],
            }
          : ANONYMOUS),
      params,
      query,
      body,
      raw,
      key() {
        const key = ctx.state.apiKey as ApiKey | undefined;
        if (!key) throw problem('UNAUTHENTICATED', 'This action needs an API key.');
        return key;
      },
      async require(permission) {
        await checkPermission(ctx, deps, permission);
      },
      audit(payload, jobId) {
        ctx.state.audit = {
          ...ctx.state.audit,
          payload: { ...(ctx.state.audit?.payload as object), ...payload },
          ...(jobId ? { jobId } : {}),
        };
      },
    });
    if (result instanceof Reply) {
      ctx.status = result.status;
      for (const [name, value] of Object.entries(result.headers)) ctx.set(name, value);
      ctx.state.replyHeaders = result.headers;
      ctx.body = result.body;
      return;
    }
    ctx.status = route.status ?? 200;
    if (result !== undefined) ctx.body = result;
  });
  return steps;
}

/**
 * Registers routes on `router`. Each request: the caller must be allowed (401/403 first, so outsiders learn nothing of
 * the inputs), its key is charged, the route's middleware runs, then params, query and body are validated (400
 * `VALIDATION` with each issue) and the handler answers; operator calls are audited as `admin:<operationId>`.
 */
export function mountRoutes(router: Router, deps: HttpDeps, routes: readonly Route[]): void {
  for (const route of routes) router[route.method](koaPath(route.path), ...chainOf(deps, route));
}
