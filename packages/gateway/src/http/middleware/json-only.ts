import type { Middleware } from 'koa';
import { problem } from '../../errors/index.js';
import { isJsonMediaType } from '../body.js';

/**
 * Middleware: the request must say it is JSON (415 `UNSUPPORTED_MEDIA_TYPE` otherwise, even with no body or no
 * `Content-Type`). A cross-site HTML form cannot send `application/json` without a CORS preflight, so a route that
 * insists on it cannot be called by one (e.g. login CSRF).
 */
export function jsonOnly(hint = 'Send the body as application/json.'): Middleware {
  return async function jsonOnly(ctx, next) {
    if (!isJsonMediaType(ctx.get('content-type'))) throw problem('UNSUPPORTED_MEDIA_TYPE', hint);
    await next();
  };
}
