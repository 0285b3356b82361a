import type { Context } from 'koa';
import { problem } from '../errors/index.js';
import { scopeAllows, type ApiKey } from '../keys/keys.js';
import type { LoadedInstance } from '../runtime/instances.js';
import type { HttpDeps } from './types.js';

/** True when the request carries an API key (valid or not): routes open to anyone then authenticate it. */
export function hasCredentials(ctx: Context): boolean {
  return Boolean(ctx.get('authorization') || ctx.get('x-api-key'));
}

/** Reads `Authorization: Bearer <key>` (or `X-API-Key`) and returns the key; 401 otherwise. */
export async function authenticate(ctx: Context, deps: HttpDeps): Promise<ApiKey> {
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
  await rateLimit(ctx, deps, key);
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

/** Takes one unit from the key's limit and sets `RateLimit`/`RateLimit-Policy` headers; 429 with `Retry-After` when spent. */
async function rateLimit(ctx: Context, deps: HttpDeps, key: ApiKey): Promise<void> {
  const windows = deps.config.apiKeys.rateLimits;
  if (!windows.length) return;
  const decision = await deps.rateLimiter.tryAcquire(key.id, 1);
  const resetSeconds = Math.ceil(decision.resetMs / 1000);
  ctx.set(
    'RateLimit-Policy',
    windows.map((w) => `"w${w.window}";q=${w.limit};w=${Math.max(1, Math.round(w.window / 1000))}`).join(', '),
  );
  ctx.set('RateLimit', `"w${windows[0]!.window}";r=${Math.max(0, decision.remaining)};t=${resetSeconds}`);
  ctx.set('RateLimit-Limit', String(decision.limit));
  ctx.set('RateLimit-Remaining', String(Math.max(0, decision.remaining)));
  ctx.set('RateLimit-Reset', String(resetSeconds));
  if (!decision.allowed) {
    deps.metrics.rateLimited.inc({ key: key.id });
    const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw problem('RATE_LIMIT_EXCEEDED', `API key ${key.id} exceeded its rate limit; retry in ${retryAfter} s.`, {
      headers: { 'Retry-After': String(retryAfter) },
      extensions: { retryAfterSeconds: retryAfter },
    });
  }
}
