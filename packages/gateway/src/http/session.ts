import { timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { problem } from '../errors/index.js';
import { permissionsOfUser, type Session } from '../users/index.js';
import type { HttpDeps } from './types.js';

/** The console session cookie (httpOnly, SameSite=Strict, sent to `/v1/admin` only). */
export const SESSION_COOKIE = 'rk_session';
/** The header carrying the session's CSRF token on state-changing requests. */
export const CSRF_HEADER = 'X-CSRF-Token';
/** Where the browser sends the cookie: the operator API, nothing else (a session cannot submit jobs). */
const COOKIE_PATH = '/v1/admin';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when the session cookie must be `Secure`: the request came over TLS, or the configuration says always. */
const secureCookie = (ctx: Context, deps: Pick<HttpDeps, 'config'>) =>
  deps.config.console.secureCookies === true || (deps.config.console.secureCookies === 'auto' && ctx.secure);

/** Sets the session cookie (built by hand: Koa's cookies refuse `Secure` behind a TLS proxy with `proxy` off). */
export function setSessionCookie(ctx: Context, deps: Pick<HttpDeps, 'config'>, token: string): void {
  const maxAge = Math.floor(deps.config.console.sessionMaxAge / 1000);
  const secure = secureCookie(ctx, deps) ? '; Secure' : '';
  ctx.append(
    'Set-Cookie',
    `${SESSION_COOKIE}=${token}; Path=${COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`,
  );
}

/** Tells the browser to drop the session cookie. */
export function clearSessionCookie(ctx: Context, deps: Pick<HttpDeps, 'config'>): void {
  const secure = secureCookie(ctx, deps) ? '; Secure' : '';
  ctx.append('Set-Cookie', `${SESSION_COOKIE}=; Path=${COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Strict${secure}`);
}

/** The cookie's session token of this request, if any. */
export const sessionToken = (ctx: Context): string | undefined => ctx.cookies.get(SESSION_COOKIE) || undefined;

function csrfMatches(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Turns a console session cookie into `ctx.state.principal` (`{ kind: 'user', id, name, environment, permissions }`,
 * the user's role's permissions) on `/v1/admin/*`, so the operator routes accept it like an API key. A request that
 * carries an API key is the key's (the cookie is ignored). A state-changing request authenticated by the cookie must
 * echo the session's CSRF token in `X-CSRF-Token` (403 `CSRF_TOKEN_INVALID` otherwise): SameSite=Strict already keeps
 * the cookie off cross-site requests, the synchronizer token also covers same-site attackers (a sibling subdomain).
 * An unknown or expired session is cleared and the request goes on unauthenticated (the route answers 401).
 */
export function sessionMiddleware(deps: Pick<HttpDeps, 'config' | 'sessions'>): Middleware {
  return async (ctx, next) => {
    const token = ctx.path.startsWith(`${COOKIE_PATH}/`) ? sessionToken(ctx) : undefined;
    if (!token || ctx.get('authorization') || ctx.get('x-api-key') || ctx.path === `${COOKIE_PATH}/login`)
      return next();
    const session = await deps.sessions.resolve(token);
    if (!session) {
      clearSessionCookie(ctx, deps);
      return next();
    }
    if (!SAFE_METHODS.has(ctx.method) && !csrfMatches(ctx.get(CSRF_HEADER), session.csrfToken))
      throw problem(
        'CSRF_TOKEN_INVALID',
        `Send the session's CSRF token (from POST /v1/admin/login or GET /v1/admin/me) in ${CSRF_HEADER}.`,
      );
    ctx.state.session = session;
    ctx.state.principal = principalOfSession(session);
    return next();
  };
}

/** The operator-API principal of a console session. */
export function principalOfSession(session: Session): {
  kind: 'user';
  id: string;
  name: string;
  environment: string;
  permissions: string[];
} {
  return {
    kind: 'user',
    id: session.userId,
    name: session.userName,
    environment: session.environment,
    permissions: permissionsOfUser(session),
  };
}
