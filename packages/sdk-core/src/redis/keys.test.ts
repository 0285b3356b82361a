import { describe, expect, it } from 'vitest';
import { redactRedisUrl, createRedisClient } from './client.js';
import { isRedisConnectionError } from './errors.js';
import { escapeKeyPart, redisKey } from './keys.js';

describe('redis keys and URLs', () => {
  it('joins parts unambiguously under the prefix', () => {
    expect(redisKey('relaykit:rl:sf', 'org:42')).toBe('relaykit:rl:sf:org%3A42');
    expect(redisKey('p', 'a:b', 'c')).not.toBe(redisKey('p', 'a', 'b:c'));
    expect(redisKey('p', 'a%3Ab')).not.toBe(redisKey('p', 'a:b'));
    expect(escapeKeyPart('{tag}')).toBe('%7Btag%7D');
    expect(redisKey('', 'x')).toBe('x');
  });

  it('redacts passwords and rejects non-Redis URLs with a clear error', () => {
    expect(redactRedisUrl('redis://:s3cret@db.internal:6380/2')).toBe('redis://:***@db.internal:6380/2');
    expect(redactRedisUrl('rediss://app:s3cret@db:6379')).toBe('rediss://***:***@db:6379');
    let error: unknown;
    try {
      createRedisClient('http://:s3cret@localhost');
    } catch (e) {
      error = e;
    }
    expect(isRedisConnectionError(error)).toBe(true);
    expect(String((error as Error).message)).not.toContain('s3cret');
  });
});
