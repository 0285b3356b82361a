import { randomUUID } from 'node:crypto';
import {
  RedisScript,
  redisKey,
  resolveRedis,
  toRedisError,
  type IdempotencyStore,
  type RedisConnectionOptions,
} from '@relaykit/sdk-core';

/**
 * What {@link DedupeStore.claim} found: `new` (the caller owns the event until its lease ends and
 * must `complete` or `release` it with `token`), `processing` (another delivery holds an unexpired
 * lease: its outcome is not known yet), or `done` (processed and stored before: a duplicate).
 */
export type DedupeClaim = DedupeClaimNew | DedupeClaimProcessing | DedupeClaimDone;

/** The caller owns the event until its lease ends. */
export interface DedupeClaimNew {
  /** Discriminant. */
  state: 'new';
  /** Proves ownership to `complete` and `release`. */
  token: string;
}
/** Another delivery holds a live lease on the event. */
export interface DedupeClaimProcessing {
  /** Discriminant. */
  state: 'processing';
  /** Ms left on the other delivery's lease, when known. */
  retryAfterMs?: number;
}
/** The event was processed and stored before. */
export interface DedupeClaimDone {
  /** Discriminant. */
  state: 'done';
}

/**
 * Remembers event keys so duplicate webhook deliveries are processed once. An event is first
 * *claimed* with a short lease, and marked *done* (remembered for days) only once it is stored: a
 * receiver that crashes in between leaves a lease that expires, so Meta's retry is processed
 * instead of being taken for a duplicate. Implementations: in-memory, Redis (shared by every
 * receiver), and an adapter over sdk-core's IdempotencyStore.
 */
export interface DedupeStore {
  /** Claims `key` for `leaseMs` unless it is done or claimed by a live lease. */
  claim(key: string, leaseMs: number): Promise<DedupeClaim>;
  /** Marks a claimed key done and remembers it for `ttlMs` (duplicates within it are dropped). */
  complete(key: string, token: string, ttlMs: number): Promise<void>;
  /** Gives up a claim (storing the event failed), so the sender's retry is processed; a no-op when `token` no longer holds it. */
  release(key: string, token: string): Promise<void>;
  /** Claims and completes at once: true the first time `key` is seen within `ttlMs`, false for a duplicate or a live claim. */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets `key` whatever its state (an operator's reset). */
  forget(key: string): Promise<void>;
  /** Releases the connection (stores built over a caller's client leave it open). */
  close(): Promise<void>;
}

/** Default memory of duplicates: Meta retries for up to 7 days. */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3600_000;
/** Default processing lease: how long a claimed event blocks its duplicates before a crash is assumed. */
export const DEFAULT_DEDUPE_LEASE_MS = 60_000;

/** An in-process {@link DedupeStore}; entries expire lazily and by a periodic sweep. */
export function createMemoryDedupeStore(): DedupeStore {
  // `token` undefined = done.
  const seen = new Map<string, { expires: number; token: string | undefined }>();
  let calls = 0;
  const live = (key: string, now: number) => {
    if (++calls % 10_000 === 0) for (const [k, e] of seen) if (e.expires <= now) seen.delete(k);
    const entry = seen.get(key);
    return entry && entry.expires > now ? entry : undefined;
  };
  return {
    async claim(key, leaseMs) {
      const now = Date.now();
      const entry = live(key, now);
      if (entry)
        return entry.token === undefined
          ? { state: 'done' }
          : { state: 'processing', retryAfterMs: entry.expires - now };
      const token = randomUUID();
      seen.set(key, { expires: now + leaseMs, token });
      return { state: 'new', token };
    },
    async complete(key, _token, ttlMs) {
      seen.set(key, { expires: Date.now() + ttlMs, token: undefined });
    },
    async release(key, token) {
      if (seen.get(key)?.token === token) seen.delete(key);
    },
    async firstSeen(key, ttlMs) {
      const now = Date.now();
      if (live(key, now)) return false;
      seen.set(key, { expires: now + ttlMs, token: undefined });
      return true;
    },
    async forget(key) {
      seen.delete(key);
    },
    async close() {
      seen.clear();
    },
  };
}

// Values: `p:<token>` while claimed, `d` once done (`1` was written by earlier versions for done).
// KEYS[1]; ARGV = token, lease ms.
const CLAIM = new RedisScript(
  `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'p:' .. ARGV[1], 'PX', ARGV[2])
  return {'new'}
end
if string.sub(v, 1, 2) == 'p:' then return {'processing', redis.call('PTTL', KEYS[1])} end
return {'done'}
`,
  1,
);
// KEYS[1]; ARGV = token.
const RELEASE = new RedisScript(
  `
if redis.call('GET', KEYS[1]) == 'p:' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
  1,
);

/** A Redis {@link DedupeStore}: one script per claim, so every receiver process agrees. */
export function createRedisDedupeStore(options: RedisConnectionOptions & { prefix?: string }): DedupeStore {
  const handle = resolveRedis(options);
  const prefix = options.prefix ?? 'relaykit:whatsapp:dedupe';
  const ms = (n: number) => Math.max(1, Math.round(n));
  const k = (key: string) => redisKey(prefix, key);
  return {
    async claim(key, leaseMs) {
      const token = randomUUID();
      const [state, ttl] = await CLAIM.run<[string, number?]>(handle.client, [k(key)], [token, ms(leaseMs)]);
      if (state === 'new') return { state, token };
      if (state === 'processing')
        return { state, ...(typeof ttl === 'number' && ttl > 0 ? { retryAfterMs: ttl } : {}) };
      return { state: 'done' };
    },
    async complete(key, _token, ttlMs) {
      // Unconditional: the event is stored, whoever holds the lease now.
      try {
        await handle.client.set(k(key), 'd', 'PX', ms(ttlMs));
      } catch (error) {
        throw toRedisError(handle.client, error);
      }
    },
    async release(key, token) {
      await RELEASE.run(handle.client, [k(key)], [token]);
    },
    async firstSeen(key, ttlMs) {
      try {
        return (await handle.client.set(k(key), 'd', 'PX', ms(ttlMs), 'NX')) === 'OK';
      } catch (error) {
        throw toRedisError(handle.client, error);
      }
    },
    async forget(key) {
      try {
        await handle.client.del(k(key));
      } catch (error) {
        throw toRedisError(handle.client, error);
      }
    },
    close: () => handle.close(),
  };
}

/** Memory when no Redis is given, Redis otherwise. */
export function createDedupeStore(options: RedisConnectionOptions & { prefix?: string } = {}): DedupeStore {
  return options.redis || options.redisUrl ? createRedisDedupeStore(options) : createMemoryDedupeStore();
}

/**
 * Uses an sdk-core IdempotencyStore (memory or Redis) as the dedupe store, under `scope`: a claim
 * is the store's in-flight lock (its lease), done is a completed entry. The store has no owner
 * tokens, so `release` drops any live claim on the key.
 */
export function dedupeStoreFromIdempotency(store: IdempotencyStore, scope = 'whatsapp-webhook'): DedupeStore {
  const FINGERPRINT = 'event';
  return {
    async claim(key, leaseMs) {
      const begin = await store.begin(scope, key, FINGERPRINT, { lockTtlMs: leaseMs });
      if (begin.state === 'new') return { state: 'new', token: key };
      if (begin.state === 'in_flight')
        return {
          state: 'processing',
          ...(begin.retryAfterMs !== undefined ? { retryAfterMs: begin.retryAfterMs } : {}),
        };
      return { state: 'done' };
    },
    complete: (key, _token, ttlMs) => store.complete(scope, key, FINGERPRINT, true, ttlMs),
    release: (key) => store.release(scope, key),
    async firstSeen(key, ttlMs) {
      // A claim left as the marker expires after `ttlMs` and, unlike a completed entry, can be forgotten.
      return (await store.begin(scope, key, FINGERPRINT, { lockTtlMs: ttlMs })).state === 'new';
    },
    // A completed entry cannot be dropped through the port; an in-flight one can.
    forget: (key) => store.release(scope, key),
    async close() {
      /* the store belongs to the caller */
    },
  };
}
