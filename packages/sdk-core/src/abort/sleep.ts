import { AbortedError } from '../errors/index.js';

/**
 * Resolves after `ms`, or rejects with an {@link AbortedError} (the signal's reason as cause) as soon as `signal`
 * aborts; `what` names the wait in the error's message ("Waiting to retry was aborted").
 *
 * @example
 * ```ts
 * await sleep(retryAfterMs, options.signal, 'Waiting for the rate limit');
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal, what = 'Waiting'): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(signal, what));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal!, what));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Throws an {@link AbortedError} (the signal's reason as cause) when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortedError(signal, what);
}

/** The {@link AbortedError} for a wait named `what` that `signal` cut short. */
export function abortedError(signal: AbortSignal, what = 'Waiting'): AbortedError {
  return new AbortedError(`${what} was aborted`, { cause: signal.reason });
}
