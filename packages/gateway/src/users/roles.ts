/** A console user's role: viewer (read, masked), operator (+ retry, cancel, replay, resolve), admin (everything). */
export type Role = 'viewer' | 'operator' | 'admin';

/** Every role, least to most privileged. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

const VIEWER = ['admin:read'] as const;
const OPERATOR = [...VIEWER, 'admin:operate'] as const;
const ADMIN = [...OPERATOR, 'admin:reveal', 'admin:keys', 'admin:users', 'admin:privacy'] as const;

/** The operator permissions each role grants (the vocabulary of API keys' `admin:*` scopes). */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly string[]>> = Object.freeze({
  viewer: VIEWER,
  operator: OPERATOR,
  admin: ADMIN,
});

/** True when `value` names a role. */
export const isRole = (value: unknown): value is Role => typeof value === 'string' && ROLES.includes(value as Role);
