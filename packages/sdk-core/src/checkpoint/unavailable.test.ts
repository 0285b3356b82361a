// Stores pointed at a server that is not there fail with a typed error (no hang, no secret in the message).
import { freePort } from '@relaykit/testkit';
import { describe, expect, it } from 'vitest';
import { isRedisConnectionError } from '../redis/index.js';
import { isCheckpointError } from './errors.js';
import { PostgresCheckpointStore } from './postgres.js';
import { RedisCheckpointStore } from './redis.js';

describe('checkpoint stores without a server', () => {
  it('Redis rejects with a RedisConnectionError, password redacted', async () => {
    const port = await freePort();
    const store = new RedisCheckpointStore({ redisUrl: `redis://:hunter2@127.0.0.1:${port}`, prefix: 'x' });
    const error = await store.get('s', 'e').catch((e: unknown) => e);
    expect(isRedisConnectionError(error)).toBe(true);
    expect(String((error as Error).message)).not.toContain('hunter2');
    await store.close();
  });

  it('PostgreSQL rejects with a CheckpointError carrying the cause', async () => {
    const port = await freePort();
    const store = new PostgresCheckpointStore({ postgresUrl: `postgres://u:hunter2@127.0.0.1:${port}/db` });
    const error = await store.set('s', 'e', 1n).catch((e: unknown) => e);
    expect(isCheckpointError(error)).toBe(true);
    expect((error as Error).cause).toBeDefined();
    expect(String((error as Error).message)).not.toContain('hunter2');
    await store.close();
  });

  it('rejects an unsafe table name', () => {
    expect(() => new PostgresCheckpointStore({ postgresUrl: 'postgres://x', table: 'cp; DROP TABLE users' })).toThrow(
      /invalid checkpoint table name/,
    );
  });
});
