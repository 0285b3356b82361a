export type * from './types.js';
export { createIdempotencyStore, type CreateIdempotencyStoreOptions } from './create.js';
export { MemoryIdempotencyStore, type MemoryIdempotencyStoreOptions } from './memory.js';
export { RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from './redis.js';
export { runIdempotent, type RunIdempotentOptions } from './run.js';
export {
  IdempotencyInFlightError,
  isIdempotencyInFlightError,
  IdempotencyMismatchError,
  isIdempotencyMismatchError,
} from './errors.js';
export { toTaggedJson, fromTaggedJson } from './json.js';
export { MAX_IDEMPOTENCY_KEY_LENGTH, DEFAULT_LOCK_TTL_MS, DEFAULT_RESULT_TTL_MS } from './validate.js';
export {
  SqlIdempotencyStore,
  idempotencyMigrations,
  type SqlIdempotencyStoreOptions,
  type IdempotencyResultCodec,
} from './sql.js';
