export { hashPassword, verifyPassword, SCRYPT_PARAMS } from './password.js';
export { ROLES, ROLE_PERMISSIONS, isRole, type Role } from './roles.js';
export {
  UserStore,
  UserExistsError,
  USER_NAME_PATTERN,
  permissionsOfUser,
  type User,
  type UserCredentials,
} from './users.js';
export { SessionStore, type Session, type SessionLifetimes } from './sessions.js';
export { LoginThrottle, type LoginThrottleOptions } from './throttle.js';
