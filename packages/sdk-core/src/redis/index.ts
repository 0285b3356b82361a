export {
  createRedisClient,
  connectRedis,
  resolveRedis,
  redactRedisUrl,
  toRedisError,
  type RedisClientOptions,
  type RedisConnectionOptions,
  type RedisHandle,
} from './client.js';
export { RedisConnectionError, isRedisConnectionError } from './errors.js';
export { redisKey, escapeKeyPart, randomKeyPrefix } from './keys.js';
export { RedisScript } from './script.js';
