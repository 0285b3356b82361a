import { randomBytes } from 'node:crypto';
import { ValidationError } from '../errors/index.js';
import { sleep, throwIfAborted } from '../abort/index.js';
import { LockTimeoutError } from './errors.js';
import type { Lock, LockAcquireOptions, LockHandle } from './types.js';

/** Outcome of one attempt: the handle, or how long the current holder keeps it (ms, may be unknown). */
export type LockAttempt = { handle: LockHandle } | { heldForMs: number | undefined };

/** Shared waiting logic; subclasses implement one non-blocking attempt. */
export abstract class BaseLock implements Lock {
  protected abstract tryOnce(name: string, token: string, ttlMs: number): Promise<LockAttempt>;

  /** Waits for a wake-up (release) or `ms`, whichever comes first. Default: just sleeps. */
  protected waitForRelease(_name: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return sleep(ms, signal);
  }

  abstract close(): Promise<void>;

  async acquire(name: string, ttlMs: number, options: LockAcquireOptions = {}): Promise<LockHandle | undefined> {
    validate(name, ttlMs);
    const { waitMs = 0, signal, retryDelayMs = 50 } = options;
    const deadline = Date.now() + Math.max(0, waitMs);
    const token = randomBytes(16).toString('hex');
    for (;;) {
      throwIfAborted(signal, `Acquiring lock ${JSON.stringify(name)}`);
      const attempt = await this.tryOnce(name, token, ttlMs);
      if ('handle' in attempt) return attempt.handle;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      // Never sleep past the holder's expiry or our deadline; jitter spreads competing waiters.
      const base = Math.min(retryDelayMs, attempt.heldForMs ?? retryDelayMs, left);
      await this.waitForRelease(name, Math.max(1, base * (0.5 + Math.random() / 2)), signal);
    }
  }

  async withLock<T>(
    name: string,
    ttlMs: number,
    fn: (handle: LockHandle) => Promise<T> | T,
    options: LockAcquireOptions = {},
  ): Promise<T> {
    const handle = await this.acquire(name, ttlMs, options);
    if (!handle) throw new LockTimeoutError(name, options.waitMs ?? 0);
    try {
      return await fn(handle);
    } finally {
      await handle.release();
    }
  }
}

function validate(name: string, ttlMs: number): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new ValidationError('Lock name must be a non-empty string', [
      { path: ['name'], message: 'must be a non-empty string' },
    ]);
  if (!Number.isFinite(ttlMs) || ttlMs < 1)
    throw new ValidationError(`Lock TTL must be a positive number of ms, got ${ttlMs}`, [
      { path: ['ttlMs'], message: 'must be ≥ 1' },
    ]);
}
