export { freePort, waitForPort } from './ports.js';
export { which, postgresBinDir, missingRedis, missingPostgres } from './binaries.js';
export { startRedis, type RedisServer, type RedisServerOptions } from './redis.js';
export { startPostgres, createDatabase, type PostgresServer } from './postgres.js';
export * from './workers/index.js';
export { waitFor } from './wait.js';
export { machineIsBusy, expectSpeedUnlessBusy } from './busy.js';
export { collectedAfterGc } from './gc.js';
