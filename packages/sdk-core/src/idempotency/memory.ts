import { IdempotencyMismatchError } from './errors.js';
import { decodeResult, encodeResult } from './json.js';
import type {
  IdempotencyBegin,
  IdempotencyBeginOptions,
  IdempotencyReleaseOptions,
  IdempotencyStore,
} from './types.js';
import { beginLockTtl, storeTtls, validateIdempotencyArgs, validateTtl } from './validate.js';

interface Entry {
  state: 'in_flight' | 'completed';
  fingerprint: string;
  /** Encoded with bigints tagged, exactly as the Redis adapter stores it. */
  result?: string;
  expiresAt: number;
  /** Who made an in-flight claim, when named. */
  owner?: string;
}

/** Options of {@link MemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /** Default in-flight claim TTL (ms). Default 5 min. */
  lockTtlMs?: number;
  /** Default result TTL (ms). Default 24 h. */
  ttlMs?: number;
  /** Clock in ms (default `Date.now`), injectable for tests. */
  now?: () => number;
}

/**
 * An idempotency store for one process. Results are kept encoded (bigints tagged), so what you get
 * back is a copy with the same semantics as the Redis adapter's. Expired entries are swept lazily.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly lockTtlMs: number;
  private readonly ttlMs: number;
  private opsSinceSweep = 0;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    ({ lockTtlMs: this.lockTtlMs, ttlMs: this.ttlMs } = storeTtls(options));
  }

  async begin<TResult = unknown>(
    scope: string,
    key: string,
    fingerprint: string,
    options: IdempotencyBeginOptions = {},
  ): Promise<IdempotencyBegin<TResult>> {
    const lockTtlMs = beginLockTtl(scope, key, fingerprint, options, this.lockTtlMs);
    const id = entryId(scope, key);
    const entry = this.live(id);
    if (!entry) {
      this.entries.set(id, {
        state: 'in_flight',
        fingerprint,
        expiresAt: this.now() + lockTtlMs,
        ...(options.owner === undefined ? {} : { owner: options.owner }),
      });
      return { state: 'new' };
    }
    if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
    if (entry.state === 'completed') return { state: 'completed', result: decodeResult<TResult>(entry.result!) };
    return { state: 'in_flight', retryAfterMs: entry.expiresAt - this.now() };
  }

  async complete(scope: string, key: string, fingerprint: string, result: unknown, ttlMs = this.ttlMs): Promise<void> {
    validateIdempotencyArgs(scope, key, fingerprint);
    validateTtl('ttlMs', ttlMs);
    const id = entryId(scope, key);
    const entry = this.live(id);
    if (entry && entry.fingerprint !== fingerprint) throw new IdempotencyMismatchError(key);
    this.entries.set(id, {
      state: 'completed',
      fingerprint,
      result: encodeResult(result),
      expiresAt: this.now() + ttlMs,
    });
  }

  async release(scope: string, key: string, options: IdempotencyReleaseOptions = {}): Promise<void> {
    validateIdempotencyArgs(scope, key);
    const id = entryId(scope, key);
    const entry = this.live(id);
    if (entry?.state === 'in_flight' && (options.owner === undefined || entry.owner === options.owner))
      this.entries.delete(id);
  }

  /** Number of entries held, expired ones included until swept (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private live(id: string): Entry | undefined {
    const now = this.now();
    if (++this.opsSinceSweep >= Math.max(1024, this.entries.size)) {
      this.opsSinceSweep = 0;
      for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    }
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }
}

// JSON quoting makes the pair unambiguous whatever characters scope and key contain.
const entryId = (scope: string, key: string) => JSON.stringify([scope, key]);
