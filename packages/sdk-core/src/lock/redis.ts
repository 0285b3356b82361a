import { resolveRedis, toRedisError, type RedisConnectionOptions, type RedisHandle } from '../redis/client.js';
import { redisKey } from '../redis/keys.js';
import { RedisScript } from '../redis/script.js';
import { BaseLock, type LockAttempt } from './base.js';
import type { LockHandle } from './types.js';

// Compare-and-delete / compare-and-expire: only the token holder may release or extend, so a
// worker whose lock expired never frees a lock someone else has since taken.
const RELEASE = new RedisScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
  1,
);
const EXTEND = new RedisScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`,
  1,
);

/** Options of {@link RedisLock}. */
export interface RedisLockOptions extends RedisConnectionOptions {
  /** Key namespace. Default `relaykit:lock`. */
  prefix?: string;
}

/**
 * A lock shared by every process using the same Redis: `SET key token NX PX ttl` to take it, a Lua
 * compare-and-delete to release it. Single-instance Redis semantics (not Redlock): fine for
 * de-duplicating work such as token refreshes, where a rare double run is harmless.
 */
export class RedisLock extends BaseLock {
  private readonly redis: RedisHandle;
  private readonly prefix: string;

  constructor(options: RedisLockOptions) {
    super();
    this.redis = resolveRedis(options);
    this.prefix = options.prefix ?? 'relaykit:lock';
  }

  protected async tryOnce(name: string, token: string, ttlMs: number): Promise<LockAttempt> {
    const client = this.redis.client;
    const key = redisKey(this.prefix, name);
    try {
      const ok = await client.set(key, token, 'PX', Math.ceil(ttlMs), 'NX');
      if (ok === 'OK') return { handle: this.handle(name, key, token, ttlMs) };
      const pttl = await client.pttl(key);
      return { heldForMs: pttl > 0 ? pttl : undefined };
    } catch (error) {
      throw toRedisError(client, error);
    }
  }

  private handle(name: string, key: string, token: string, ttlMs: number): LockHandle {
    const client = this.redis.client;
    return {
      name,
      token,
      release: async () => (await RELEASE.run<number>(client, [key], [token])) === 1,
      extend: async (newTtlMs = ttlMs) => (await EXTEND.run<number>(client, [key], [token, Math.ceil(newTtlMs)])) === 1,
    };
  }

  async close(): Promise<void> {
    await this.redis.close();
  }
}
