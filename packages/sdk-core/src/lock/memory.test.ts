import { describe, expect, it } from 'vitest';
import { isAbortedError, isValidationError } from '../errors/index.js';
import { isLockTimeoutError } from './errors.js';
import { createLock } from './index.js';
import { MemoryLock } from './memory.js';

describe('MemoryLock', () => {
  it('excludes a second holder until release, then wakes a waiter at once', async () => {
    const lock = createLock();
    expect(lock).toBeInstanceOf(MemoryLock);
    const first = await lock.acquire('refresh', 5000);
    expect(first).toBeDefined();
    expect(await lock.acquire('refresh', 5000)).toBeUndefined();
    expect(await lock.acquire('other', 5000)).toBeDefined();
    const started = Date.now();
    const waiting = lock.acquire('refresh', 5000, { waitMs: 2000, retryDelayMs: 1000 });
    setTimeout(() => void first!.release(), 30);
    const second = await waiting;
    expect(second).toBeDefined();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await first!.release()).toBe(false); // no longer the owner
    expect(await second!.release()).toBe(true);
  });

  it('expires a holder that never releases, and extend keeps it', async () => {
    const lock = new MemoryLock();
    const held = await lock.acquire('x', 100);
    expect(await held!.extend(300)).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(await lock.acquire('x', 100)).toBeUndefined();
    const after = await lock.acquire('x', 100, { waitMs: 1000 });
    expect(after).toBeDefined();
    expect(await held!.extend()).toBe(false);
    expect(await held!.release()).toBe(false);
  });

  it('withLock serialises critical sections and throws LockTimeoutError when it cannot wait', async () => {
    const lock = new MemoryLock();
    let inside = 0;
    let maxInside = 0;
    const section = async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 5));
      inside--;
    };
    await Promise.all(Array.from({ length: 10 }, () => lock.withLock('s', 1000, section, { waitMs: 2000 })));
    expect(maxInside).toBe(1);
    const held = await lock.acquire('s', 1000);
    await expect(lock.withLock('s', 1000, section, { waitMs: 20 })).rejects.toSatisfy(isLockTimeoutError);
    await held!.release();
  });

  it('aborts waiting and validates arguments', async () => {
    const lock = new MemoryLock();
    await lock.acquire('a', 1000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(lock.acquire('a', 1000, { waitMs: 5000, signal: controller.signal })).rejects.toSatisfy(
      isAbortedError,
    );
    await expect(lock.acquire('', 1000)).rejects.toSatisfy(isValidationError);
    await expect(lock.acquire('b', 0)).rejects.toSatisfy(isValidationError);
  });
});
