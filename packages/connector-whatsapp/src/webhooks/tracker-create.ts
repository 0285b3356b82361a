import type { RedisConnectionOptions, SqlClient } from '@relaykit/sdk-core';
import type { StatusTracker } from './tracker.js';
import { createMemoryStatusTracker } from './tracker-memory.js';
import { createRedisStatusTracker } from './tracker-redis.js';
import { createSqlStatusTracker } from './tracker-sql.js';

/** Options of {@link createStatusTracker}: where statuses are kept. */
export type CreateStatusTrackerOptions = RedisConnectionOptions & {
  /** Redis key prefix (Redis only). */
  prefix?: string;
  /** How long a message's status is kept after its last update (Redis and SQL; default 30 days). */
  ttlMs?: number;
  /** A database to keep statuses in when there is no Redis (PostgreSQL or PGlite; borrowed, never closed). */
  database?: SqlClient;
  /** Separates instances sharing `database` (default `''`). */
  namespace?: string;
};

/** Redis when given (shared by every receiver), else `database` (survives restarts), else memory. */
export function createStatusTracker(options: CreateStatusTrackerOptions = {}): StatusTracker {
  if (options.redis || options.redisUrl) return createRedisStatusTracker(options);
  if (options.database)
    return createSqlStatusTracker({
      db: options.database,
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
    });
  return createMemoryStatusTracker();
}
