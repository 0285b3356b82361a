// Test support: what every IdempotencyStore adapter does, run on memory, Redis, PGlite and PostgreSQL. Expiry is
// real time here (the SQL store reads the database's clock), so lock and result TTLs are short and waited for.
import { waitFor } from '@relaykit/testkit';
import { expect, it } from 'vitest';
import { isValidationError } from '../../errors/index.js';
import { isIdempotencyMismatchError } from '../../idempotency/errors.js';
import type { IdempotencyStore } from '../../idempotency/types.js';

/** Makes a store with an empty key space (a fresh prefix, table or database); the suite closes it. */
export type IdempotencyStoreFactory = () => Promise<IdempotencyStore>;

export function idempotencyStoreContract(name: string, make: IdempotencyStoreFactory): void {
  const use = async (fn: (store: IdempotencyStore) => Promise<void>) => {
    const store = await make();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  it(`${name}: runs new → in_flight → completed(result), and mismatch on other content`, () =>
    use(async (s) => {
      expect(await s.begin('tenant-a', 'k1', 'fp1', { lockTtlMs: 60_000 })).toEqual({ state: 'new' });
      const again = await s.begin('tenant-a', 'k1', 'fp1');
      expect(again.state).toBe('in_flight');
      if (again.state === 'in_flight') {
        expect(again.retryAfterMs).toBeGreaterThan(0);
        expect(again.retryAfterMs).toBeLessThanOrEqual(60_000);
      }
      expect(await s.begin('tenant-a', 'k1', 'fp2')).toEqual({ state: 'mismatch' });
      await s.complete('tenant-a', 'k1', 'fp1', { status: 201, body: { id: 7 } });
      expect(await s.begin('tenant-a', 'k1', 'fp1')).toEqual({
        state: 'completed',
        result: { status: 201, body: { id: 7 } },
      });
      expect(await s.begin('tenant-a', 'k1', 'fp2')).toEqual({ state: 'mismatch' });
    }));

  it(`${name}: keeps scopes apart, also when scope and key concatenate to the same text`, () =>
    use(async (s) => {
      expect((await s.begin('tenant-a', 'same', 'fp')).state).toBe('new');
      expect((await s.begin('tenant-b', 'same', 'other')).state).toBe('new');
      expect((await s.begin('a', 'b:c', 'fp')).state).toBe('new');
      expect((await s.begin('a:b', 'c', 'fp')).state).toBe('new');
    }));

  it(`${name}: gives results back exactly: bigints, nesting, and strings jsonb cannot hold`, () =>
    use(async (s) => {
      const result = {
        id: 2n ** 64n + 1n,
        list: [1, 'two', null, { three: [true] }],
        nul: 'a\u0000b',
        lone: 'x\ud800y',
        // A value shaped like the SQL store's own escape wrapper must not be mistaken for one.
        wrapped: { $rkjson: '"no"' },
      };
      await s.begin('t', 'exact', 'fp');
      await s.complete('t', 'exact', 'fp', result);
      expect(await s.begin('t', 'exact', 'fp')).toEqual({ state: 'completed', result });
      await s.begin('t', 'shape', 'fp');
      await s.complete('t', 'shape', 'fp', { $rkjson: '"no"' });
      expect(await s.begin('t', 'shape', 'fp')).toEqual({ state: 'completed', result: { $rkjson: '"no"' } });
      await s.begin('t', 'text', 'fp');
      await s.complete('t', 'text', 'fp', 'done');
      expect(await s.begin('t', 'text', 'fp')).toEqual({ state: 'completed', result: 'done' });
    }));

  it(`${name}: release frees an in-flight claim but never a completed result`, () =>
    use(async (s) => {
      await s.begin('t', 'k', 'fp');
      await s.release('t', 'k');
      expect((await s.begin('t', 'k', 'fp-2')).state).toBe('new');
      await s.complete('t', 'k', 'fp-2', 'done');
      await s.release('t', 'k');
      expect(await s.begin('t', 'k', 'fp-2')).toEqual({ state: 'completed', result: 'done' });
    }));

  it(`${name}: an abandoned claim expires; release with an owner drops only that owner's claim`, () =>
    use(async (s) => {
      await s.begin('t', 'k', 'fp', { owner: 'first', lockTtlMs: 150 });
      await waitFor(
        async () => (await s.begin('t', 'k', 'fp', { owner: 'second', lockTtlMs: 60_000 })).state === 'new',
        'the first claim to expire',
      );
      await s.release('t', 'k', { owner: 'first' });
      expect((await s.begin('t', 'k', 'fp')).state).toBe('in_flight');
      await s.release('t', 'k', { owner: 'second' });
      expect((await s.begin('t', 'k', 'fp', { owner: 'third' })).state).toBe('new');
      // Without an owner, any in-flight claim is dropped.
      await s.release('t', 'k');
      expect((await s.begin('t', 'k', 'fp')).state).toBe('new');
    }));

  it(`${name}: a result is replayed for its TTL, then the key is new again`, () =>
    use(async (s) => {
      await s.begin('t', 'short', 'fp');
      await s.complete('t', 'short', 'fp', { ok: true }, 150);
      expect((await s.begin('t', 'short', 'other')).state).toBe('mismatch');
      await waitFor(async () => (await s.begin('t', 'short', 'other')).state === 'new', 'the result to expire');
    }));

  it(`${name}: complete refuses another request's fingerprint`, () =>
    use(async (s) => {
      await s.begin('t', 'k', 'fp');
      const error = await s.complete('t', 'k', 'other', 'x').catch((e: unknown) => e);
      expect(isIdempotencyMismatchError(error)).toBe(true);
      expect((await s.begin('t', 'k', 'fp')).state).toBe('in_flight');
    }));

  it(`${name}: of many concurrent begins exactly one is new`, () =>
    use(async (s) => {
      const states = await Promise.all(Array.from({ length: 16 }, () => s.begin('t', 'race', 'fp')));
      expect(states.filter((x) => x.state === 'new')).toHaveLength(1);
      expect(states.filter((x) => x.state === 'in_flight')).toHaveLength(15);
    }));

  it(`${name}: refuses an empty or over-long key with a ValidationError`, () =>
    use(async (s) => {
      expect(isValidationError(await s.begin('t', '', 'fp').catch((e: unknown) => e))).toBe(true);
      expect(isValidationError(await s.begin('t', 'x'.repeat(256), 'fp').catch((e: unknown) => e))).toBe(true);
      expect(isValidationError(await s.complete('t', 'k', '', 1).catch((e: unknown) => e))).toBe(true);
    }));
}
