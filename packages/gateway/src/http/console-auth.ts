import type { Context } from 'koa';
import { z } from 'zod';
import { problem } from '../errors/index.js';
import { dummyHash, verifyPassword } from '../users/password.js';
import { permissionsOfUser, type Session } from '../users/index.js';
import { RoleSchema } from '../users/routes.js';
import { jsonOnly } from './middleware/json-only.js';
import { defineRoute, type Route, type RouteRequest } from './route.js';
import { clearSessionCookie, principalOfSession, sessionToken, setSessionCookie } from './session.js';
import type { HttpDeps } from './types.js';

/** Body of `POST /v1/admin/login`. */
export const LoginBodySchema = z.strictObject({
  name: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/** What login and `/me` answer: who is logged in, what they may do, and the CSRF token to echo. */
export const SessionViewSchema = z
  .object({
    user: z.object({
      id: z.string(),
      name: z.string(),
      role: RoleSchema,
      environment: z.string(),
      permissions: z.array(z.string()),
    }),
    csrfToken: z.string().describe('Send it as X-CSRF-Token with every state-changing request'),
    expiresAt: z.string().meta({ format: 'date-time', description: 'The absolute end of the session' }),
  })
  .meta({ id: 'ConsoleSession' });

/** A console session as {@link SessionViewSchema} shows it. */
export type SessionView = z.output<typeof SessionViewSchema>;

/** The view of a session that login and `/me` answer with. */
export function sessionView(session: Session): SessionView {
  return {
    user: {
      id: session.userId,
      name: session.userName,
      role: session.role,
      environment: session.environment,
      permissions: permissionsOfUser(session),
    },
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
  };
}

function locked(seconds: number, who: string) {
  const retryAfter = Math.max(1, Math.ceil(seconds));
  return problem('LOGIN_LOCKED', `Too many failed logins ${who}; try again in ${retryAfter} s.`, {
    headers: { 'Retry-After': String(retryAfter) },
    extensions: { retryAfterSeconds: retryAfter },
  });
}

/** The request's console session (`access: 'session'` routes only run with one). */
const sessionOf = (ctx: Context) => ctx.state.session as Session;

let lastPrune = 0;
/** Expired sessions are refused anyway; they are deleted at a login at most once a minute. */
function pruneNowAndThen(deps: HttpDeps): void {
  if (Date.now() - lastPrune < 60_000) return;
  lastPrune = Date.now();
  deps.sessions.prune().catch((err: unknown) => deps.logger.warn({ err: String(err) }, 'pruning sessions failed'));
}

type LoginBody = z.output<typeof LoginBodySchema>;

async function login({ ctx, deps, body, audit }: RouteRequest<undefined, undefined, LoginBody>): Promise<SessionView> {
  const { name, password } = body;
  audit({ name });
  const address = ctx.ip;
  const wait = deps.loginThrottle.retryAfterMs(address);
  if (wait > 0) throw locked(wait / 1000, 'from this address');
  const user = await deps.users.credentials(name);
  if (user?.lockedUntil) throw locked((Date.parse(user.lockedUntil) - Date.now()) / 1000, 'for this user');
  // An unknown name costs a full scrypt too: timing does not tell which names exist.
  const ok = (await verifyPassword(password, user?.passwordHash ?? (await dummyHash()))) && user !== undefined;
  if (!ok || !user) {
    deps.loginThrottle.fail(address);
    const lockedUntil =
      user &&
      (await deps.users.recordFailure(user.id, deps.config.console.maxFailedLogins, deps.config.console.lockout));
    if (lockedUntil) throw locked((lockedUntil.getTime() - Date.now()) / 1000, 'for this user');
    throw problem('INVALID_CREDENTIALS', 'Wrong user name or password.');
  }
  await deps.users.recordLogin(user.id);
  pruneNowAndThen(deps);
  const { token, session } = await deps.sessions.create(user, { ip: address, userAgent: ctx.get('user-agent') });
  ctx.state.session = session;
  ctx.state.principal = principalOfSession(session);
  // The entry names the user logged in (not the name as typed).
  ctx.state.audit = { operation: 'admin:login', payload: { user: { id: user.id, name: user.name } } };
  setSessionCookie(ctx, deps, token);
  ctx.set('Cache-Control', 'no-store');
  return sessionView(session);
}

const tags = ['console sessions'] as const;

/**
 * The console's own authentication: `POST /v1/admin/login` (name and password; sets the session cookie and answers
 * with the CSRF token), `POST /v1/admin/logout` and `GET /v1/admin/me`. Sessions (and their CSRF tokens) are resolved
 * by `sessionMiddleware`; login is throttled per address (`LoginThrottle`) and locks a user after
 * `console.maxFailedLogins` failures in a row. Mount before `/v1/{instance}/{operation}`, which would take them.
 */
export const CONSOLE_AUTH_ROUTES: Route[] = [
  defineRoute({
    method: 'post',
    path: '/v1/admin/login',
    operationId: 'console.login',
    summary: 'Log a console user in',
    description:
      'Sets the httpOnly, SameSite=Strict session cookie (Secure over TLS) and answers with the CSRF token. Throttled per address; a user is locked after `console.maxFailedLogins` failures in a row. JSON only (415 otherwise, even without a body): a cross-site form cannot log a browser in.',
    tags,
    // No credentials: the login is how a console user gets them.
    access: 'open',
    security: [],
    audit: 'admin:login',
    // JSON only: a cross-site HTML form cannot send it without a CORS preflight (no login CSRF).
    use: [() => jsonOnly('Send the login as application/json: {"name", "password"}.')],
    body: LoginBodySchema,
    bodyIssues: 'bare',
    invalidBody: 'The body must be {"name": "...", "password": "..."}',
    bodyLimit: 16 * 1024,
    example: { name: 'alice', password: 'correct horse battery staple' },
    response: SessionViewSchema,
    responseDescription: 'Logged in',
    errors: [401, 429],
    errorDescriptions: {
      401: 'Wrong user name or password (INVALID_CREDENTIALS)',
      429: 'Locked (LOGIN_LOCKED; see Retry-After)',
    },
    handler: login,
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/logout',
    operationId: 'console.logout',
    summary: 'End the console session',
    description: 'Deletes the session server-side and clears the cookie. Needs the X-CSRF-Token like every change.',
    tags,
    access: 'session',
    audit: 'admin:logout',
    status: 204,
    responseDescription: 'Logged out; the cookie is cleared',
    async handler({ ctx, deps }) {
      const token = sessionToken(ctx);
      if (token) await deps.sessions.delete(token);
      clearSessionCookie(ctx, deps);
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/me',
    operationId: 'console.me',
    summary: 'Who is logged in, their permissions and the CSRF token',
    description: 'The console calls it on load: it tells the user’s role and permissions and the CSRF token to echo.',
    tags,
    access: 'session',
    audit: 'admin:me',
    response: SessionViewSchema,
    responseDescription: 'The session',
    async handler({ ctx }) {
      ctx.set('Cache-Control', 'no-store');
      return sessionView(sessionOf(ctx));
    },
  }),
];
