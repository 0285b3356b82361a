import type { Context } from 'koa';
import { problem } from '../errors/index.js';
import { scopeAllows, type ApiKey } from '../keys/keys.js';
import type { LoadedInstance } from '../runtime/instances.js';
import { takeRateLimit } from './middleware/rate-limit.js';
import type { HttpDeps } from './types.js';

/** True when the request carries an API key (valid or not): routes open to anyone then authenticate it. */
export function hasCredentials(ctx: Context): boolean {
  return Boolean(ctx.get('authorization') || ctx.get('x-api-key'));
}

/** Reads `Authorization: Bearer <key>` (or `X-API-Key`) and returns the verified key, kept in `ctx.state.apiKey`; 401 otherwise. */
export async function verifyApiKey(ctx: Context, deps: HttpDeps): Promise<ApiKey> {
  if (ctx.state.apiKey) return ctx.state.apiKey as ApiKey;
  const header = ctx.get('authorization');
  const secret = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? ctx.get('x-api-key').trim();
  if (!secret)
    throw problem('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>".', {
      headers: { 'WWW-Authenticate': 'Bearer realm="relaykit"' },
    });
  const key = await deps.keys.verify(secret);
  if (!key)
    throw problem('UNAUTHENTICATED', 'The API key is unknown or revoked.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="relaykit", error="invalid_token"' },
    });
  ctx.state.apiKey = key;
  return key;
}

/**
 * The request's API key, verified and charged one unit of its rate limit (once per request): for the few handlers
 * outside the route mechanism where a key is optional (`/readyz`, `/openapi.json`). Routes use the
 * `authenticate()` and `rateLimitPerKey()` middleware instead.
 */
export async function authenticate(ctx: Context, deps: HttpDeps): Promise<ApiKey> {
  const key = await verifyApiKey(ctx, deps);
  await takeRateLimit(ctx, deps, key);
  return key;
}

/**
 * Checks the key's environment and scopes against an instance's operation. The operation is always
 * named (reading a job names the job's): a key scoped to one operation sees nothing of the others.
 */
export function authorize(key: ApiKey, instance: LoadedInstance, operation: string): void {
  if (key.environment !== instance.environment) {
    throw problem(
      'FORBIDDEN_ENVIRONMENT',
      `This API key belongs to environment "${key.environment}"; instance "${instance.name}" is in "${instance.environment}".`,
    );
  }
  if (!scopeAllows(key.scopes, instance.name, operation)) {
    throw problem(
      'FORBIDDEN_SCOPE',
      `This API key's scopes (${key.scopes.join(', ') || 'none'}) do not include ${instance.name}:${operation}.`,
    );
  }
}
