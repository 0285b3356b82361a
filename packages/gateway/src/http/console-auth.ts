import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { problem } from '../errors/index.js';
import { dummyHash, verifyPassword } from '../users/password.js';
import { permissionsOfUser, type Session } from '../users/index.js';
import { isJsonMediaType, parseJson, readRawBody } from './body.js';
import { clearSessionCookie, principalOfSession, sessionToken, setSessionCookie } from './session.js';
import type { HttpDeps } from './types.js';

/** Body of `POST /v1/admin/login`. */
export const LoginBodySchema = z.strictObject({
  name: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/** What login and `/me` answer: who is logged in, what they may do, and the CSRF token to echo. */
export function sessionView(session: Session) {
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

function requireSession(ctx: Context): Session {
  const session = ctx.state.session as Session | undefined;
  if (!session) throw problem('UNAUTHENTICATED', 'Log in to the console first (POST /v1/admin/login).');
  return session;
}

let lastPrune = 0;
/** Expired sessions are refused anyway; they are deleted at a login at most once a minute. */
function pruneNowAndThen(deps: HttpDeps): void {
  if (Date.now() - lastPrune < 60_000) return;
  lastPrune = Date.now();
  deps.sessions.prune().catch((err: unknown) => deps.logger.warn({ err: String(err) }, 'pruning sessions failed'));
}

async function login(ctx: Context, deps: HttpDeps): Promise<void> {
  // JSON only: a cross-site HTML form cannot send it without a CORS preflight (no login CSRF).
  if (!isJsonMediaType(ctx.get('content-type')))
    throw problem('UNSUPPORTED_MEDIA_TYPE', 'Send the login as application/json: {"name", "password"}.');
  const raw = await readRawBody(ctx, 16 * 1024);
  const parsed = LoginBodySchema.safeParse(parseJson(ctx, raw, deps.config.server.maxJsonDepth));
  if (!parsed.success)
    throw problem('VALIDATION', 'The body must be {"name": "...", "password": "..."}.', {
      extensions: { errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  const { name, password } = parsed.data;
  ctx.state.audit = { operation: 'admin:login', payload: { name } };
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
  ctx.state.audit = { operation: 'admin:login', payload: { user: { id: user.id, name: user.name } } };
  setSessionCookie(ctx, deps, token);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = sessionView(session);
}

/**
 * The console's own authentication: `POST /v1/admin/login` (name and password; sets the session cookie and answers
 * with the CSRF token), `POST /v1/admin/logout` and `GET /v1/admin/me`. Sessions are resolved by
 * {@link sessionMiddleware}; login is throttled per address ({@link LoginThrottle}) and locks a user after
 * `console.maxFailedLogins` failures in a row.
 */
export function registerConsoleAuthRoutes(router: Router, deps: HttpDeps): void {
  router.post('/v1/admin/login', (ctx) => login(ctx, deps));

  router.post('/v1/admin/logout', async (ctx) => {
    requireSession(ctx);
    ctx.state.audit = { operation: 'admin:logout' };
    const token = sessionToken(ctx);
    if (token) await deps.sessions.delete(token);
    clearSessionCookie(ctx, deps);
    ctx.status = 204;
  });

  router.get('/v1/admin/me', (ctx) => {
    ctx.state.audit = { operation: 'admin:me' };
    ctx.set('Cache-Control', 'no-store');
    ctx.body = sessionView(requireSession(ctx));
  });
}

const problemRef = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const SESSION_VIEW_SCHEMA = {
  type: 'object',
  required: ['user', 'csrfToken', 'expiresAt'],
  properties: {
    user: {
      type: 'object',
      required: ['id', 'name', 'role', 'environment', 'permissions'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string', enum: ['viewer', 'operator', 'admin'] },
        environment: { type: 'string' },
        permissions: { type: 'array', items: { type: 'string' } },
      },
    },
    csrfToken: { type: 'string', description: 'Send it as X-CSRF-Token with every state-changing request' },
    expiresAt: { type: 'string', format: 'date-time', description: 'The absolute end of the session' },
  },
};

/** Adds the console's login, logout and `/me` (and the session cookie's security scheme) to an OpenAPI document. */
export function withConsoleAuthOpenApi<T extends Record<string, unknown>>(document: T): T {
  const doc = document as {
    components?: { securitySchemes?: Record<string, unknown> };
    paths?: Record<string, unknown>;
  };
  doc.components ??= {};
  doc.components.securitySchemes ??= {};
  doc.components.securitySchemes.consoleSession = {
    type: 'apiKey',
    in: 'cookie',
    name: 'rk_session',
    description:
      'A console session (POST /v1/admin/login). State-changing requests must also send the session’s X-CSRF-Token. Operator routes accept it like an API key with the role’s permissions.',
  };
  doc.paths ??= {};
  const tags = ['console sessions'];
  const declared = ((doc as { tags?: Array<{ name: string; description?: string }> }).tags ??= []);
  if (!declared.some((t) => t.name === tags[0]))
    declared.push({ name: tags[0]!, description: 'Console users log in and out; the session works the operator API' });
  doc.paths['/v1/admin/login'] = {
    post: {
      operationId: 'console.login',
      summary: 'Log a console user in',
      description:
        'Sets the httpOnly, SameSite=Strict session cookie (Secure over TLS) and answers with the CSRF token. Throttled per address; a user is locked after `console.maxFailedLogins` failures in a row.',
      tags,
      // No credentials: the login is how a console user gets them.
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            example: { name: 'alice', password: 'correct horse battery staple' },
            schema: {
              type: 'object',
              required: ['name', 'password'],
              additionalProperties: false,
              properties: { name: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 1024 } },
            },
          },
        },
      },
      responses: {
        200: { description: 'Logged in', content: { 'application/json': { schema: SESSION_VIEW_SCHEMA } } },
        400: problemRef('Invalid body'),
        401: problemRef('Wrong user name or password (INVALID_CREDENTIALS)'),
        415: problemRef('Not JSON'),
        429: problemRef('Locked (LOGIN_LOCKED; see Retry-After)'),
      },
    },
  };
  doc.paths['/v1/admin/logout'] = {
    post: {
      operationId: 'console.logout',
      summary: 'End the console session',
      description: 'Deletes the session server-side and clears the cookie. Needs the X-CSRF-Token like every change.',
      tags,
      security: [{ consoleSession: [] }],
      responses: {
        204: { description: 'Logged out; the cookie is cleared' },
        401: problemRef('No session'),
        403: problemRef('Missing or wrong X-CSRF-Token (CSRF_TOKEN_INVALID)'),
      },
    },
  };
  doc.paths['/v1/admin/me'] = {
    get: {
      operationId: 'console.me',
      summary: 'Who is logged in, their permissions and the CSRF token',
      description: 'The console calls it on load: it tells the user’s role and permissions and the CSRF token to echo.',
      tags,
      security: [{ consoleSession: [] }],
      responses: {
        200: { description: 'The session', content: { 'application/json': { schema: SESSION_VIEW_SCHEMA } } },
        401: problemRef('No session'),
      },
    },
  };
  return document;
}
