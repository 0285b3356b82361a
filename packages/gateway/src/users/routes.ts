import { z } from 'zod';
import { problem } from '../errors/index.js';
import type { Principal } from '../ops/principal.js';
import { defineRoute, type Route } from '../http/route.js';
import type { HttpDeps } from '../http/types.js';
import { ROLES } from './roles.js';
import { USER_NAME_PATTERN, UserExistsError, permissionsOfUser, type User } from './users.js';

/** A console user's role. */
export const RoleSchema = z.enum(ROLES as ['viewer', 'operator', 'admin']).describe('viewer, operator or admin');
const PasswordSchema = z.string().min(8).max(1024).describe('At least 8 characters; stored as a scrypt hash');

/** A console user as the API shows it. */
export const UserSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  environment: z.string(),
  permissions: z.array(z.string()),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
  lockedUntil: z.string().nullable().describe('Set while failed logins lock the account'),
});

const view = (user: User) => ({ ...user, permissions: permissionsOfUser(user) });
const IdParams = z.object({ id: z.string().min(1).max(64) });

async function userOf(deps: HttpDeps, principal: Principal, id: string): Promise<User> {
  const user = await deps.users.get(id);
  // Another environment's user answers like a missing one.
  if (!user || user.environment !== principal.environment)
    throw problem('NOT_FOUND', `No user ${id} in environment "${principal.environment}".`);
  return user;
}

function exists(error: unknown): never {
  if (error instanceof UserExistsError) throw problem('USER_EXISTS', error.message);
  throw error;
}

/** Console user management (`admin:users`), each confined to the caller's environment. */
export const USER_ROUTES: Route[] = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/users',
    operationId: 'listUsers',
    summary: 'List console users',
    tags: ['operator: users'],
    permission: 'admin:users',
    response: z.object({ users: z.array(UserSchema) }),
    async handler({ deps, principal }) {
      return { users: (await deps.users.list(principal.environment)).map(view) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/users',
    operationId: 'createUser',
    summary: 'Add a console user',
    description: 'The user operates in the caller’s environment. Names are unique regardless of case.',
    tags: ['operator: users'],
    permission: 'admin:users',
    status: 201,
    errors: [409],
    example: { name: 'alice', password: 'a long passphrase', role: 'operator' },
    body: z.strictObject({
      name: z.string().regex(USER_NAME_PATTERN, 'letters, digits, ".", "_", "@", "-"; at most 64'),
      password: PasswordSchema,
      role: RoleSchema,
    }),
    response: z.object({ user: UserSchema }),
    async handler({ deps, principal, body, audit, ctx }) {
      audit({ name: body.name, role: body.role });
      const user = await deps.users.create({ ...body, environment: principal.environment }).catch(exists);
      ctx.set('Location', `/v1/admin/users/${user.id}`);
      return { user: view(user) };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/v1/admin/users/{id}',
    operationId: 'updateUser',
    summary: 'Change a console user’s role or password',
    description: 'Either change ends the user’s sessions. Admins cannot change their own role.',
    tags: ['operator: users'],
    permission: 'admin:users',
    errors: [404],
    params: IdParams,
    example: { role: 'viewer' },
    body: z
      .strictObject({ role: RoleSchema.optional(), password: PasswordSchema.optional() })
      .refine((b) => b.role !== undefined || b.password !== undefined, 'send role, password or both'),
    response: z.object({ user: UserSchema }),
    async handler({ deps, principal, params, body, audit }) {
      const user = await userOf(deps, principal, params.id);
      audit({
        id: user.id,
        name: user.name,
        role: body.role,
        password: body.password === undefined ? undefined : 'changed',
      });
      if (body.role && body.role !== user.role && principal.kind === 'user' && principal.id === user.id)
        throw problem('VALIDATION', 'You cannot change your own role; ask another admin.', {
          extensions: { errors: [{ path: 'body.role', message: 'own role' }] },
        });
      const updated = await deps.users.update(user.id, body);
      if (!updated) throw problem('NOT_FOUND', `No user ${params.id}.`);
      await deps.sessions.deleteForUser(user.id);
      return { user: view(updated) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/admin/users/{id}',
    operationId: 'deleteUser',
    summary: 'Remove a console user',
    description: 'The user’s sessions end with it. Admins cannot remove themselves.',
    tags: ['operator: users'],
    permission: 'admin:users',
    errors: [404],
    params: IdParams,
    response: z.object({ user: UserSchema }),
    async handler({ deps, principal, params, audit }) {
      const user = await userOf(deps, principal, params.id);
      audit({ id: user.id, name: user.name });
      if (principal.kind === 'user' && principal.id === user.id)
        throw problem('VALIDATION', 'You cannot remove yourself; ask another admin.');
      if (!(await deps.users.delete(user.id))) throw problem('NOT_FOUND', `No user ${params.id}.`);
      return { user: view(user) };
    },
  }),
];
