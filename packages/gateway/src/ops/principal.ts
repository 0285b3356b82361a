import type { Context } from 'koa';
import { problem } from '../errors/index.js';
import { authenticate } from '../http/auth.js';
import type { HttpDeps } from '../http/types.js';
import { ADMIN_PERMISSIONS, adminPermissionsOf, type AdminPermission } from '../keys/keys.js';
import type { Principal } from './principal-type.js';

/** One of the operator permissions (`admin:read`, `admin:operate`, `admin:reveal`, `admin:keys`, `admin:users`, `admin:privacy`). */
export type Permission = AdminPermission;

/** Every operator permission, in the order the console shows them. */
export const PERMISSIONS: readonly Permission[] = ADMIN_PERMISSIONS;

export type { Principal } from './principal-type.js';

/** The principal of an API key: its operator scopes as permissions (`*` grants none, `admin:*` all). */
export function principalOfKey(key: { id: string; name: string; environment: string; scopes: string[] }): Principal {
  return {
    kind: 'key',
    id: key.id,
    name: key.name,
    environment: key.environment,
    permissions: adminPermissionsOf(key.scopes),
  };
}

/** The caller of this request: the session's principal when one is set, else the API key's (401 without either). */
export async function currentPrincipal(ctx: Context, deps: HttpDeps): Promise<Principal> {
  const set = ctx.state.principal as Principal | undefined;
  if (set) return set;
  const principal = principalOfKey(await authenticate(ctx, deps));
  ctx.state.principal = principal;
  return principal;
}

/**
 * The caller, when it holds `permission`: 401 `UNAUTHENTICATED` without credentials, 403 `FORBIDDEN_SCOPE` (naming
 * the missing permission) otherwise. Callers must then confine every read and write to `principal.environment`.
 */
export async function requirePermission(ctx: Context, deps: HttpDeps, permission: Permission): Promise<Principal> {
  const principal = await currentPrincipal(ctx, deps);
  assertPermission(principal, permission);
  return principal;
}

/** 403 `FORBIDDEN_SCOPE` (naming the missing permission) unless `principal` holds `permission`. */
export function assertPermission(principal: Principal, permission: Permission): void {
  if (!principal.permissions.includes(permission))
    throw problem(
      'FORBIDDEN_SCOPE',
      `This ${principal.kind === 'key' ? 'API key' : 'user'} lacks the permission ${permission} (it holds ${principal.permissions.join(', ') || 'no operator permission'}).`,
      { extensions: { required: permission } },
    );
}
