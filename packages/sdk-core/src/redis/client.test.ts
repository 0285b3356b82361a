import { describe, expect, it } from 'vitest';
import { connectRedis, createRedisClient, resolveRedis } from './client.js';
import { isRedisConnectionError } from './errors.js';
import { RedisScript } from './script.js';

describe('Redis client helpers (no server needed)', () => {
  it('connectRedis fails fast with a RedisConnectionError that never shows the password', async () => {
    const error = await connectRedis('redis://:hunter2@127.0.0.1:1', { connectTimeout: 500 }).catch((e: unknown) => e);
    expect(isRedisConnectionError(error)).toBe(true);
    expect((error as Error).message).toMatch(/redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect((error as Error).message).not.toContain('hunter2');
    expect((error as { code: string }).code).toBe('REDIS_UNAVAILABLE');
  });

  it('a lazily connecting client turns a failed command into a RedisConnectionError', async () => {
    const client = createRedisClient('redis://:hunter2@127.0.0.1:1', {
      maxRetriesPerRequest: 1,
      retryStrategy: () => 10,
    });
    expect(client.status).toBe('wait'); // nothing happens until the first command
    const script = new RedisScript('return 1', 0);
    const error = await script.run(client, [], []).catch((e: unknown) => e);
    expect(isRedisConnectionError(error)).toBe(true);
    expect((error as Error).message).not.toContain('hunter2');
    client.disconnect();
  });

  it('resolveRedis closes only the clients it opened', async () => {
    const mine = createRedisClient('redis://127.0.0.1:1');
    const borrowed = resolveRedis({ redis: mine, redisUrl: 'redis://ignored:1' });
    expect(borrowed.client).toBe(mine);
    await borrowed.close();
    expect(mine.status).toBe('wait');
    const owned = resolveRedis({ redisUrl: 'redis://127.0.0.1:1' });
    await owned.close();
    expect(owned.client.status).toBe('end');
    mine.disconnect();
    expect(() => resolveRedis({})).toThrow(/Neither redis nor redisUrl/);
  });
});
