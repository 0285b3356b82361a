import { resolveRedis, type RedisConnectionOptions, type RedisHandle } from '../redis/client.js';
import { redisKey } from '../redis/keys.js';
import { RedisScript } from '../redis/script.js';
import { IdempotencyMismatchError } from './errors.js';
import { decodeResult, encodeResult } from './json.js';
import type {
  IdempotencyBegin,
  IdempotencyBeginOptions,
  IdempotencyReleaseOptions,
  IdempotencyStore,
} from './types.js';
import { beginLockTtl, storeTtls, validateIdempotencyArgs, validateTtl } from './validate.js';

// One hash per (scope, key): s = state ('f' in flight, 'c' completed), f = fingerprint, r = result,
// o = owner of an in-flight claim (when named).
// Each operation is one script, so concurrent begins from any number of workers see exactly one 'new'.
const BEGIN = new RedisScript(
  `local v = redis.call('HMGET', KEYS[1], 's', 'f', 'r')
if not v[1] then
  redis.call('HSET', KEYS[1], 's', 'f', 'f', ARGV[1])
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'o', ARGV[3]) end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 'new' }
end
if v[2] ~= ARGV[1] then return { 'mismatch' } end
if v[1] == 'c' then return { 'completed', v[3] } end
return { 'in_flight', tostring(redis.call('PTTL', KEYS[1])) }`,
  1,
);

const COMPLETE = new RedisScript(
  `local f = redis.call('HGET', KEYS[1], 'f')
if f and f ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', 'c', 'f', ARGV[1], 'r', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`,
  1,
);

// Never drops a completed result: only an in-flight claim may be released, and with ARGV[1] only its owner's.
const RELEASE = new RedisScript(
  `local v = redis.call('HMGET', KEYS[1], 's', 'o')
if v[1] == 'f' and (ARGV[1] == '' or v[2] == ARGV[1]) then return redis.call('DEL', KEYS[1]) end
return 0`,
  1,
);

/** Options of {@link RedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions extends RedisConnectionOptions {
  /** Key namespace. Default `relaykit:idem`. */
  prefix?: string;
  /** Default in-flight claim TTL (ms). Default 5 min. */
  lockTtlMs?: number;
  /** Default result TTL (ms). Default 24 h. */
  ttlMs?: number;
}

/**
 * An idempotency store shared by every process using the same Redis. Each call is one atomic Lua
 * script; claims and results expire through Redis TTLs (a crashed worker's claim after `lockTtlMs`).
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: RedisHandle;
  private readonly prefix: string;
  private readonly lockTtlMs: number;
  private readonly ttlMs: number;

  constructor(options: RedisIdempotencyStoreOptions) {
    this.redis = resolveRedis(options);
    this.prefix = options.prefix ?? 'relaykit:idem';
    ({ lockTtlMs: this.lockTtlMs, ttlMs: this.ttlMs } = storeTtls(options));
  }

  async begin<TResult = unknown>(
    scope: string,
    key: string,
    fingerprint: string,
    options: IdempotencyBeginOptions = {},
  ): Promise<IdempotencyBegin<TResult>> {
    const lockTtlMs = beginLockTtl(scope, key, fingerprint, options, this.lockTtlMs);
    const reply = await BEGIN.run<[string, string?]>(
      this.redis.client,
      [this.key(scope, key)],
      [fingerprint, Math.ceil(lockTtlMs), options.owner ?? ''],
    );
    switch (reply[0]) {
      case 'new':
        return { state: 'new' };
      case 'mismatch':
        return { state: 'mismatch' };
      case 'completed':
        return { state: 'completed', result: decodeResult<TResult>(reply[1]!) };
      default: {
        const pttl = Number(reply[1]);
        return pttl > 0 ? { state: 'in_flight', retryAfterMs: pttl } : { state: 'in_flight' };
      }
    }
  }

  async complete(scope: string, key: string, fingerprint: string, result: unknown, ttlMs = this.ttlMs): Promise<void> {
    validateIdempotencyArgs(scope, key, fingerprint);
    validateTtl('ttlMs', ttlMs);
    const ok = await COMPLETE.run<number>(
      this.redis.client,
      [this.key(scope, key)],
      [fingerprint, encodeResult(result), Math.ceil(ttlMs)],
    );
    if (ok !== 1) throw new IdempotencyMismatchError(key);
  }

  async release(scope: string, key: string, options: IdempotencyReleaseOptions = {}): Promise<void> {
    validateIdempotencyArgs(scope, key);
    await RELEASE.run(this.redis.client, [this.key(scope, key)], [options.owner ?? '']);
  }

  async close(): Promise<void> {
    await this.redis.close();
  }

  private key(scope: string, key: string): string {
    return redisKey(this.prefix, scope, key);
  }
}
