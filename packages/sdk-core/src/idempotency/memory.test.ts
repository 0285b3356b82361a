import { describe, expect, it } from 'vitest';
import { isValidationError } from '../errors/index.js';
import { createIdempotencyStore } from './create.js';
import { isIdempotencyInFlightError, isIdempotencyMismatchError } from './errors.js';
import { fromTaggedJson, toTaggedJson } from './json.js';
import { MemoryIdempotencyStore } from './memory.js';
import { runIdempotent } from './run.js';
import { idempotencyStoreContract } from '../test-support/idempotency/store.contract.js';

function store(options: { lockTtlMs?: number; ttlMs?: number } = {}) {
  const clock = { now: 1_000_000 };
  return { store: new MemoryIdempotencyStore({ ...options, now: () => clock.now }), clock };
}

describe('MemoryIdempotencyStore', () => {
  it('keeps scopes apart', async () => {
    const { store: s } = store();
    expect((await s.begin('tenant-a', 'same', 'fp')).state).toBe('new');
    expect((await s.begin('tenant-b', 'same', 'other')).state).toBe('new');
    // Scope/key pairs that concatenate to the same text must not collide either.
    expect((await s.begin('a', 'b\u0000c', 'fp')).state).toBe('new');
    expect((await s.begin('a\u0000b', 'c', 'fp')).state).toBe('new');
  });

  it("release with an owner drops only that owner's claim (not one taken after its own expired)", async () => {
    const { store: s, clock } = store({ lockTtlMs: 100 });
    await s.begin('t', 'k', 'fp', { owner: 'first' });
    clock.now += 100;
    expect((await s.begin('t', 'k', 'fp', { owner: 'second' })).state).toBe('new');
    await s.release('t', 'k', { owner: 'first' });
    expect((await s.begin('t', 'k', 'fp')).state).toBe('in_flight');
    await s.release('t', 'k', { owner: 'second' });
    expect((await s.begin('t', 'k', 'fp', { owner: 'third' })).state).toBe('new');
    // Without an owner, any in-flight claim is dropped (as before owners existed).
    await s.release('t', 'k');
    expect((await s.begin('t', 'k', 'fp')).state).toBe('new');
  });

  it('expires in-flight claims after lockTtlMs and results after their ttl', async () => {
    const { store: s, clock } = store({ lockTtlMs: 1000 });
    await s.begin('t', 'k', 'fp');
    clock.now += 400;
    expect(await s.begin('t', 'k', 'fp')).toEqual({ state: 'in_flight', retryAfterMs: 600 });
    clock.now += 600;
    expect((await s.begin('t', 'k', 'fp')).state).toBe('new');
    expect((await s.begin('t', 'k2', 'fp', { lockTtlMs: 10 })).state).toBe('new');
    clock.now += 10;
    expect((await s.begin('t', 'k2', 'fp')).state).toBe('new');
    await s.complete('t', 'k2', 'fp', 1, 5000);
    clock.now += 4999;
    expect((await s.begin('t', 'k2', 'fp')).state).toBe('completed');
    clock.now += 1;
    expect((await s.begin('t', 'k2', 'fp')).state).toBe('new');
  });

  it('refuses to complete with a fingerprint other than the claim', async () => {
    const { store: s } = store();
    await s.begin('t', 'k', 'fp');
    await expect(s.complete('t', 'k', 'other', 1)).rejects.toSatisfy(isIdempotencyMismatchError);
  });

  it('round-trips bigints (above 2^53, negative, nested) and undefined', async () => {
    const { store: s } = store();
    // biome-ignore lint/correctness/noPrecisionLoss: a number beyond 2^53 is the case under test
    const result = { rowVersion: 2n ** 63n - 1n, list: [-(2n ** 60n), 1n], plain: 9007199254740993, at: new Date(0) };
    await s.begin('t', 'k', 'fp');
    await s.complete('t', 'k', 'fp', result);
    const got = await s.begin<typeof result>('t', 'k', 'fp');
    expect(got).toEqual({ state: 'completed', result: { ...result, at: '1970-01-01T00:00:00.000Z' } });
    if (got.state === 'completed') expect(got.result.rowVersion.toString()).toBe('9223372036854775807');
    await s.begin('t', 'u', 'fp');
    await s.complete('t', 'u', 'fp', undefined);
    expect(await s.begin('t', 'u', 'fp')).toEqual({ state: 'completed', result: undefined });
    expect(fromTaggedJson(toTaggedJson({ $bigint: 'x' }))).toEqual({ $bigint: 'x' });
  });

  it('validates the key (≤ 255 characters), scope and fingerprint', async () => {
    const { store: s } = store();
    expect((await s.begin('t', 'x'.repeat(255), 'fp')).state).toBe('new');
    const error = await s.begin('t', 'x'.repeat(256), 'fp').catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/256 characters.*at most 255/);
    await expect(s.begin('t', '', 'fp')).rejects.toSatisfy(isValidationError);
    await expect(s.begin('t', 'k', '')).rejects.toSatisfy(isValidationError);
    await expect(s.complete('t', 'k', 'fp', 1, 0)).rejects.toSatisfy(isValidationError);
  });

  it('createIdempotencyStore gives a memory store without Redis', async () => {
    const s = createIdempotencyStore({ lockTtlMs: 50 });
    expect(s).toBeInstanceOf(MemoryIdempotencyStore);
    await s.close();
  });
});

describe('runIdempotent', () => {
  it('runs once, replays the result, and reports in-flight and mismatched repeats', async () => {
    const { store: s } = store();
    let runs = 0;
    const work = async () => ({ n: ++runs, big: 12345678901234567890n });
    expect(await runIdempotent(s, 't', 'k', 'fp', work)).toEqual({ n: 1, big: 12345678901234567890n });
    expect(await runIdempotent(s, 't', 'k', 'fp', work)).toEqual({ n: 1, big: 12345678901234567890n });
    expect(runs).toBe(1);
    await expect(runIdempotent(s, 't', 'k', 'other', work)).rejects.toSatisfy(isIdempotencyMismatchError);

    let release!: () => void;
    const slow = runIdempotent(s, 't', 'slow', 'fp', () => new Promise<string>((r) => (release = () => r('ok'))));
    await new Promise((r) => setImmediate(r));
    await expect(runIdempotent(s, 't', 'slow', 'fp', work)).rejects.toSatisfy(isIdempotencyInFlightError);
    release();
    expect(await slow).toBe('ok');
  });

  it('releases the key when the work fails, or stores what storeErrors returns', async () => {
    const { store: s } = store();
    await expect(runIdempotent(s, 't', 'k', 'fp', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await runIdempotent(s, 't', 'k', 'fp', () => 'second try')).toBe('second try');
    const storeErrors = (e: unknown) => ({ error: (e as Error).message });
    await expect(
      runIdempotent(
        s,
        't',
        'k2',
        'fp',
        () => {
          throw new Error('declined');
        },
        { storeErrors },
      ),
    ).rejects.toThrow('declined');
    expect(await s.begin('t', 'k2', 'fp')).toEqual({ state: 'completed', result: { error: 'declined' } });
  });
});

describe('MemoryIdempotencyStore: the adapters’ shared suite', () => {
  idempotencyStoreContract('memory', async () => new MemoryIdempotencyStore());
});
