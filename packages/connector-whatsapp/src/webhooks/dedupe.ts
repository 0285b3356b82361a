import { redisKey, resolveRedis, toRedisError, type IdempotencyStore, type RedisConnectionOptions } from '@relaykit/sdk-core';

/**
 * Remembers event keys for a while so duplicate webhook deliveries are processed once.
 * Implementations: in-memory, Redis (`SET NX PX`, shared by every receiver), and an adapter over
 * sdk-core's IdempotencyStore.
 */
export interface DedupeStore {
  /** True the first time `key` is seen within `ttlMs`; false for a duplicate. */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets `key` (when recording the event failed, so the sender's retry is processed). */
  forget(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Default memory of duplicates: Meta retries for up to 7 days. */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3600_000;

/** An in-process {@link DedupeStore}; entries expire lazily and by a periodic sweep. */
export function createMemoryDedupeStore(): DedupeStore {
  const seen = new Map<string, number>();
  let calls = 0;
  return {
    async firstSeen(key, ttlMs) {
      const now = Date.now();
      if (++calls % 10_000 === 0) for (const [k, exp] of seen) if (exp <= now) seen.delete(k);
      const exp = seen.get(key);
      if (exp !== undefined && exp > now) return false;
      seen.set(key, now + ttlMs);
      return true;
    },
    async forget(key) { seen.delete(key); },
    async close() { seen.clear(); },
  };
}

/** A Redis {@link DedupeStore}: one `SET key 1 NX PX ttl` per event, so every receiver process agrees. */
export function createRedisDedupeStore(options: RedisConnectionOptions & { prefix?: string }): DedupeStore {
  const handle = resolveRedis(options);
  const prefix = options.prefix ?? 'relaykit:whatsapp:dedupe';
  return {
    async firstSeen(key, ttlMs) {
      try {
        return (await handle.client.set(redisKey(prefix, key), '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
      } catch (error) {
        throw toRedisError(handle.client, error);
      }
    },
    async forget(key) {
      try { await handle.client.del(redisKey(prefix, key)); } catch (error) { throw toRedisError(handle.client, error); }
    },
    close: () => handle.close(),
  };
}

/** Memory when no Redis is given, Redis otherwise. */
export function createDedupeStore(options: RedisConnectionOptions & { prefix?: string } = {}): DedupeStore {
  return options.redis || options.redisUrl ? createRedisDedupeStore(options) : createMemoryDedupeStore();
}

/** Uses an sdk-core IdempotencyStore (memory or Redis) as the dedupe store, under `scope`. */
export function dedupeStoreFromIdempotency(store: IdempotencyStore, scope = 'whatsapp-webhook'): DedupeStore {
  return {
    async firstSeen(key, ttlMs) {
      // The claim itself is the marker: it expires after `ttlMs`, and `release` can drop it
      // (a completed entry could not be forgotten when recording the event fails).
      const begin = await store.begin(scope, key, 'event', { lockTtlMs: ttlMs });
      return begin.state === 'new';
    },
    forget: (key) => store.release(scope, key),
    async close() { /* the store belongs to the caller */ },
  };
}
