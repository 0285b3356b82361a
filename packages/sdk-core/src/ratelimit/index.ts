export type * from './types.js';
export { createRateLimiter, type CreateRateLimiterOptions } from './create.js';
export { BaseRateLimiter } from './base.js';
export { MemoryRateLimiter, type MemoryRateLimiterOptions } from './memory.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis.js';
export { RateLimitExceededError, isRateLimitExceededError } from './errors.js';
