/**
 * The abort side of one attempt. Creating an `AbortSignal` and listening to it costs ~10 µs of
 * CPU per call on Node 20, so the signal is only built when someone reads it; code that just needs
 * to be told (undici accepts an EventEmitter-style `signal`) listens through {@link on} instead.
 * @internal
 */
export class AttemptScope {
  /** True once the attempt's timeout fired or the caller aborted. */
  aborted = false;
  /** Why it was aborted. */
  reason: unknown = undefined;
  /** True when the policy's own timeout (not the caller) aborted the attempt. */
  timedOut = false;
  private controller: AbortController | undefined;
  private listeners: Array<() => void> | undefined;

  constructor(public readonly attempt: number) {}

  /** An `AbortSignal` that aborts with the attempt; created on first read. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** EventEmitter-style subscription (what undici calls on a non-EventTarget `signal`). */
  on(event: string, listener: () => void): this {
    if (event === 'abort') (this.listeners ??= []).push(listener);
    return this;
  }

  once(event: string, listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(event: string, listener: () => void): this {
    if (event === 'abort' && this.listeners) {
      const i = this.listeners.indexOf(listener);
      if (i !== -1) this.listeners.splice(i, 1);
    }
    return this;
  }

  off(event: string, listener: () => void): this {
    return this.removeListener(event, listener);
  }

  abort(reason: unknown, timedOut = false): void {
    if (this.aborted) return;
    this.aborted = true;
    this.timedOut = timedOut;
    this.reason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}
