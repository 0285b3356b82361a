import { randomUUID } from 'node:crypto';
import {
  MemoryIdempotencyStore,
  RedisIdempotencyStore,
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
 * The webhook handler's view of an sdk-core IdempotencyStore (see {@link dedupeStoreFromIdempotency}): an event is
 * first *claimed* with a short lease, and marked *done* (remembered for days) only once it is stored, so a receiver
 * that crashes in between leaves a lease that expires and Meta's retry is processed instead of being taken for a
 * duplicate. Pass the IdempotencyStore itself as the handler's `dedupe`; implement this only for a store of your own.
 */
export interface DedupeStore {
  /** Claims `key` for `leaseMs` unless it is done or claimed by a live lease. */
  claim(key: string, leaseMs: number): Promise<DedupeClaim>;
  /** Marks a claimed key done and remembers it for `ttlMs` (duplicates within it are dropped). */
  complete(key: string, token: string, ttlMs: number): Promise<void>;
  /** Gives up a claim (storing the event failed), so the sender's retry is processed; a no-op when `token` no longer holds it. */
  release(key: string, token: string): Promise<void>;
  /** True the first time `key` is seen within `ttlMs`, false for a duplicate or a live claim. */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets `key` while it is claimed or marked by `firstSeen` (an operator's reset). */
  forget(key: string): Promise<void>;
  /** Releases the connection (stores built over a caller's client leave it open). */
  close(): Promise<void>;
}

/** Default memory of duplicates: Meta retries for up to 7 days. */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3600_000;
/** Default processing lease: how long a claimed event blocks its duplicates before a crash is assumed. */
export const DEFAULT_DEDUPE_LEASE_MS = 60_000;
/** The IdempotencyStore scope webhook events are kept under (apart from sends and jobs sharing the store). */
export const WEBHOOK_DEDUPE_SCOPE = 'whatsapp-webhook';

// Every delivery of an event carries the same event, so one fingerprint serves all.
const FINGERPRINT = 'event';

/**
 * The {@link DedupeStore} over an sdk-core IdempotencyStore (memory, Redis, or the gateway's SQL store; e.g. the
 * runtime's `ctx.idempotency`), under `scope`: a claim is the store's in-flight claim (its lease) owned by a random
 * token, done is a completed entry. The store stays the caller's: `close` leaves it open.
 */
export function dedupeStoreFromIdempotency(store: IdempotencyStore, scope = WEBHOOK_DEDUPE_SCOPE): DedupeStore {
  return {
    async claim(key, leaseMs) {
      const token = randomUUID();
      const begin = await store.begin(scope, key, FINGERPRINT, { lockTtlMs: leaseMs, owner: token });
      if (begin.state === 'new') return { state: 'new', token };
      if (begin.state === 'in_flight')
        return {
          state: 'processing',
          ...(begin.retryAfterMs !== undefined ? { retryAfterMs: begin.retryAfterMs } : {}),
        };
      return { state: 'done' };
    },
    complete: (key, _token, ttlMs) => store.complete(scope, key, FINGERPRINT, true, ttlMs),
    release: (key, token) => store.release(scope, key, { owner: token }),
    async firstSeen(key, ttlMs) {
      // A claim left as the marker expires after `ttlMs` and, unlike a completed entry, can be forgotten.
      return (await store.begin(scope, key, FINGERPRINT, { lockTtlMs: ttlMs })).state === 'new';
    },
    forget: (key) => store.release(scope, key),
    async close() {
      /* the store belongs to the caller */
    },
  };
}

/** `dedupe` as the handler takes it: an IdempotencyStore is viewed through {@link dedupeStoreFromIdempotency}. */
export function toDedupeStore(store: IdempotencyStore | DedupeStore): DedupeStore {
  return 'begin' in store ? dedupeStoreFromIdempotency(store) : store;
}

/** A dedupe view that owns its store: `close` closes it. */
function owning(store: IdempotencyStore): DedupeStore {
  return { ...dedupeStoreFromIdempotency(store), close: () => store.close() };
}

/** @deprecated Pass `createIdempotencyStore()` from `@relaykit/sdk-core` as the handler's `dedupe`. */
export function createMemoryDedupeStore(): DedupeStore {
  return owning(new MemoryIdempotencyStore());
}

/** @deprecated Pass `createIdempotencyStore({ redisUrl, prefix })` from `@relaykit/sdk-core` as the handler's `dedupe`. */
export function createRedisDedupeStore(options: RedisConnectionOptions & { prefix?: string }): DedupeStore {
  return owning(new RedisIdempotencyStore({ ...options, prefix: options.prefix ?? 'relaykit:whatsapp:dedupe' }));
}

/** @deprecated Pass `createIdempotencyStore(options)` from `@relaykit/sdk-core` as the handler's `dedupe`. */
export function createDedupeStore(options: RedisConnectionOptions & { prefix?: string } = {}): DedupeStore {
  return options.redis || options.redisUrl ? createRedisDedupeStore(options) : createMemoryDedupeStore();
}
