import type { Context, Next } from 'koa';

/** Sets `X-Content-Type-Options: nosniff` on every response, errors included (set before anything else runs). */
export function noSniff() {
  return async (ctx: Context, next: Next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  };
}
