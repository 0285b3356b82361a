import {
  BaseRateLimiter,
  MemoryRateLimiter,
  createRedisClient,
  isValidationError,
  RedisRateLimiter,
  type Logger,
  type RateDecision,
  type RateLimitRules,
} from '@relaykit/sdk-core';
import type { Redis } from 'ioredis';

/** Options of {@link KeyRateLimiter}. */
export interface KeyRateLimiterOptions {
  rules: RateLimitRules;
  /** Shared limits in this Redis; without it the limits are per process. */
  redisUrl?: string;
  prefix: string;
  logger: Logger;
  /** Longest wait for Redis on one request (default 250 ms); past it the local limiter decides. */
  timeoutMs?: number;
  /** After a Redis failure, requests use the local limiter this long before Redis is asked again (default 1 s). */
  probeAfterMs?: number;
}

/**
 * The per-API-key limiter of the gateway. Limits are shared through Redis; while Redis is unreachable (or slower
 * than `timeoutMs`) the limiter fails open to a local in-process limiter with the same windows, so requests are
 * still limited (per process rather than across processes) and never wait on Redis or fail because of it. Redis is
 * asked again `probeAfterMs` after each failure, and takes over again as soon as it answers.
 */
export class KeyRateLimiter extends BaseRateLimiter {
  private readonly local: MemoryRateLimiter;
  private readonly shared: RedisRateLimiter | undefined;
  private readonly client: Redis | undefined;
  private readonly timeoutMs: number;
  private readonly probeAfterMs: number;
  private localUntil = 0;
  private degraded = false;

  constructor(private readonly options: KeyRateLimiterOptions) {
    super();
    this.local = new MemoryRateLimiter({ rules: options.rules });
    this.timeoutMs = options.timeoutMs ?? 250;
    this.probeAfterMs = options.probeAfterMs ?? 1000;
    if (options.redisUrl) {
      // No offline queue: while disconnected a command fails at once instead of waiting for a reconnect.
      this.client = createRedisClient(options.redisUrl, {
        enableOfflineQueue: false,
        lazyConnect: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt) => Math.min(attempt * 50, 1000),
        connectionName: 'relaykit-gateway-keys',
      });
      this.shared = new RedisRateLimiter({ redis: this.client, rules: options.rules, prefix: options.prefix });
    }
  }

  /** True while decisions are taken locally because Redis failed. */
  get isDegraded(): boolean {
    return this.degraded;
  }

  async tryAcquire(key: string, cost = 1): Promise<RateDecision> {
    if (!this.shared || Date.now() < this.localUntil) return this.local.tryAcquire(key, cost);
    let timer: NodeJS.Timeout | undefined;
    try {
      const decision = await Promise.race([
        this.shared.tryAcquire(key, cost),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      if (this.degraded) {
        this.degraded = false;
        this.options.logger.info('API key rate limits are shared through Redis again');
      }
      return decision;
    } catch (error) {
      if (isValidationError(error)) throw error;
      this.localUntil = Date.now() + this.probeAfterMs;
      if (!this.degraded) {
        this.degraded = true;
        this.options.logger.warn(
          { err: String((error as Error)?.message ?? error) },
          'Redis unreachable: API key rate limits are enforced per process until it is back',
        );
      }
      return this.local.tryAcquire(key, cost);
    } finally {
      clearTimeout(timer);
    }
  }

  async penalizeUntil(key: string, ms: number): Promise<number> {
    return this.local.penalizeUntil(key, ms);
  }

  async close(): Promise<void> {
    await this.local.close();
    await this.shared?.close().catch(() => undefined);
    this.client?.disconnect();
  }
}
