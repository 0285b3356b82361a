import { resolveRedis, type RedisConnectionOptions, type RedisHandle } from '../redis/client.js';
import { redisKey } from '../redis/keys.js';
import { BaseRateLimiter } from './base.js';
import { PENALIZE, TAKE } from './lua.js';
import { validatePenalty } from './memory.js';
import { rulesResolver, validateCost, type CompiledWindow } from './rules.js';
import type { RateDecision, RateLimitRules } from './types.js';

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions extends RedisConnectionOptions {
  /** Windows for every key, or a function of the key. Empty: unlimited (no Redis call). */
  rules: RateLimitRules;
  /** Key namespace (one hash per limited key under it). Default `relaykit:rl`. */
  prefix?: string;
}

/**
 * GCRA limits shared by every process using the same Redis. Each decision is one EVALSHA of an
 * atomic Lua script judged on the Redis server's clock, so workers' clocks never matter; a key's
 * state (one small hash) expires as soon as it has fully refilled.
 *
 * Keys whose rules are empty are unlimited and never touch Redis; a penalty on such a key is
 * written to Redis but only honoured by the process that set it.
 */
export class RedisRateLimiter extends BaseRateLimiter {
  private readonly redis: RedisHandle;
  private readonly prefix: string;
  private readonly windowsFor: (key: string) => CompiledWindow[];
  private readonly localPenalties = new Map<string, number>();

  constructor(options: RedisRateLimiterOptions) {
    super();
    this.windowsFor = rulesResolver(options.rules);
    this.redis = resolveRedis(options);
    this.prefix = options.prefix ?? 'relaykit:rl';
  }

  async tryAcquire(key: string, cost = 1): Promise<RateDecision> {
    const windows = this.windowsFor(key);
    validateCost(key, cost, windows);
    if (windows.length === 0) return this.unlimited(key);
    const args: Array<string | number> = [cost];
    for (const w of windows) args.push(w.field, w.intervalMs, w.toleranceMs, w.limit);
    const reply = await TAKE.run<[number, string, string, string, string, string, string]>(
      this.redis.client,
      [redisKey(this.prefix, key)],
      args,
    );
    const allowed = reply[0] === 1;
    return {
      allowed,
      retryAfterMs: Number(reply[1]),
      remaining: Number(reply[2]),
      limit: Number(reply[3]),
      resetMs: Number(reply[4]),
      ...(allowed ? { nextInMs: Number(reply[6]) } : {}),
      at: Number(reply[5]),
    };
  }

  async penalizeUntil(key: string, ms: number): Promise<number> {
    validatePenalty(ms);
    if (this.windowsFor(key).length === 0) {
      const until = Math.max(this.localPenalties.get(key) ?? 0, Date.now() + ms);
      this.localPenalties.set(key, until);
    }
    return Number(await PENALIZE.run<string>(this.redis.client, [redisKey(this.prefix, key)], [ms]));
  }

  async close(): Promise<void> {
    this.localPenalties.clear();
    await this.redis.close();
  }

  private unlimited(key: string): RateDecision {
    const now = Date.now();
    const until = this.localPenalties.get(key);
    if (until !== undefined && until <= now) this.localPenalties.delete(key);
    const wait = until !== undefined && until > now ? until - now : 0;
    return { allowed: wait === 0, retryAfterMs: wait, remaining: Infinity, limit: Infinity, resetMs: 0, at: now };
  }
}
