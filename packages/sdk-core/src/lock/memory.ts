import { BaseLock, type LockAttempt } from './base.js';
import type { LockHandle } from './types.js';

interface Held {
  token: string;
  expiresAt: number;
}

/**
 * A lock for one process (tests, single-instance deployments). Waiters are woken as soon as the
 * holder releases, and a holder that never releases loses the lock after its TTL.
 */
export class MemoryLock extends BaseLock {
  private readonly held = new Map<string, Held>();
  private readonly waiters = new Map<string, Set<() => void>>();

  protected async tryOnce(name: string, token: string, ttlMs: number): Promise<LockAttempt> {
    const now = Date.now();
    const current = this.held.get(name);
    if (current && current.expiresAt > now) return { heldForMs: current.expiresAt - now };
    this.held.set(name, { token, expiresAt: now + ttlMs });
    return { handle: this.handle(name, token, ttlMs) };
  }

  protected override waitForRelease(name: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(name);
      if (!set) this.waiters.set(name, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set!.delete(done);
        if (set!.size === 0 && this.waiters.get(name) === set) this.waiters.delete(name);
        resolve(); // the caller's loop re-checks `signal` and throws AbortedError
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  private handle(name: string, token: string, ttlMs: number): LockHandle {
    const owns = () => {
      const current = this.held.get(name);
      return current !== undefined && current.token === token && current.expiresAt > Date.now();
    };
    return {
      name,
      token,
      release: async () => {
        if (!owns()) return false;
        this.held.delete(name);
        for (const wake of [...(this.waiters.get(name) ?? [])]) wake();
        return true;
      },
      extend: async (newTtlMs = ttlMs) => {
        if (!owns()) return false;
        this.held.set(name, { token, expiresAt: Date.now() + newTtlMs });
        return true;
      },
    };
  }

  async close(): Promise<void> {
    this.held.clear();
  }
}
