import { abortedError } from '../abort/index.js';
import { BulkheadRejectedError } from '../errors/http.js';

/** One call waiting for a slot. */
interface Waiter {
  start(): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * At most `maxInFlight` calls at once, up to `maxQueued` more waiting in arrival order. Unlike
 * cockatiel 3.2.1's bulkhead (which this replaces), a waiting call listens to its caller's signal:
 * an abort rejects it at once, leaves the queue and frees its queue place, and its function never
 * runs. A freed slot always goes to the next waiter still wanting it (cockatiel's lost a slot to
 * a waiter aborted meanwhile, cockatiel#114).
 */
export class Bulkhead {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private head = 0;

  constructor(
    readonly maxInFlight: number,
    readonly maxQueued: number,
    private readonly upstream?: string,
  ) {}

  /** Calls in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /**
   * Runs `fn` once a slot is free. Rejects with `BULKHEAD_REJECTED` when the queue is full too,
   * and with `ABORTED` (the signal's reason as cause) when `signal` aborts before a slot is free.
   */
  execute<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortedError(signal, 'Waiting for a free slot'));
    if (this.active < this.maxInFlight) return this.run(fn);
    if (this.queued >= this.maxQueued)
      return Promise.reject(
        new BulkheadRejectedError(`Too many requests in flight to ${this.upstream ?? 'upstream'}`, {
          upstream: this.upstream,
          maxInFlight: this.maxInFlight,
          maxQueued: this.maxQueued,
        }),
      );
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        onAbort: undefined,
        start: () => {
          this.run(fn).then(resolve, reject);
        },
      };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.queue.indexOf(waiter, this.head);
          if (at !== -1) this.queue.splice(at, 1);
          reject(abortedError(signal, 'Waiting for a free slot'));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
    });
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.next();
    }
  }

  private next(): void {
    if (this.head >= this.queue.length) return;
    const waiter = this.queue[this.head++]!;
    // Compact now and then, so a long queue is not shifted one element at a time.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.start();
  }
}
