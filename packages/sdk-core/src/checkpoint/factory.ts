import type pg from 'pg';
import type { SqlClient } from '../sql/types.js';
import { MemoryCheckpointStore } from './memory.js';
import { PostgresCheckpointStore } from './postgres.js';
import { RedisCheckpointStore } from './redis.js';
import type { CheckpointStore } from './types.js';

/** Options of {@link createCheckpointStore}. */
export interface CreateCheckpointStoreOptions {
  /** PostgreSQL connection string: a {@link PostgresCheckpointStore} (checked first, as the more durable store). */
  postgresUrl?: string;
  /** A `pg.Pool` you own: a {@link PostgresCheckpointStore} over it. */
  pool?: pg.Pool;
  /** A {@link SqlClient} you own (PostgreSQL or PGlite): a {@link PostgresCheckpointStore} on it. Checked first. */
  db?: SqlClient;
  /** Redis URL: a {@link RedisCheckpointStore}. */
  redisUrl?: string;
  /** Redis hash key, or the PostgreSQL namespace (default `relaykit:cp`). */
  prefix?: string;
}

/**
 * Picks a checkpoint store: PostgreSQL when `db`, `pool` or `postgresUrl` is given, else Redis when `redisUrl` is given,
 * else an in-memory store.
 *
 * @example
 * ```ts
 * const checkpoints = createCheckpointStore({ postgresUrl: process.env.DATABASE_URL, prefix: 'relaykit:cp:mahak' });
 * await checkpoints.set('mahak', 'Person', 4_000_000_001n);
 * ```
 */
export function createCheckpointStore(options: CreateCheckpointStoreOptions = {}): CheckpointStore {
  const prefix = options.prefix ?? 'relaykit:cp';
  if (options.db || options.pool || options.postgresUrl)
    return new PostgresCheckpointStore({
      db: options.db,
      pool: options.pool,
      postgresUrl: options.postgresUrl,
      namespace: prefix,
    });
  if (options.redisUrl) return new RedisCheckpointStore({ redisUrl: options.redisUrl, prefix });
  return new MemoryCheckpointStore();
}
