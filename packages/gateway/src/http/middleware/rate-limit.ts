import type { Context, Middleware } from 'koa';
import { problem } from '../../errors/index.js';
import type { ApiKey } from '../../keys/keys.js';
import type { HttpDeps } from '../types.js';

const CHARGED = Symbol('rate limit charged');

/**
 * Takes one unit from the key's limit (once per request, however many steps ask) and sets `RateLimit` /
 * `RateLimit-Policy`; 429 `RATE_LIMIT_EXCEEDED` with `Retry-After` when spent.
 */
export async function takeRateLimit(ctx: Context, deps: HttpDeps, key: ApiKey): Promise<void> {
  const windows = deps.config.apiKeys.rateLimits;
  if (!windows.length || (ctx.state as Record<symbol, unknown>)[CHARGED]) return;
  (ctx.state as Record<symbol, unknown>)[CHARGED] = true;
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

/** Middleware: charges the request's API key (set by `authenticate()`) one unit of its limit; a console session is not limited here. */
export function rateLimitPerKey(deps: HttpDeps): Middleware {
  return async function rateLimitPerKey(ctx, next) {
    const key = ctx.state.apiKey as ApiKey | undefined;
    if (key) await takeRateLimit(ctx, deps, key);
    await next();
  };
}
