/**
 * Lets at most `limit` callers of this process poll the shared limiter at once; the rest queue locally, in order,
 * and each is let in as one leaves. Dozens of concurrent pollers per worker would turn every freed slot into a
 * thundering herd of Redis round trips.
 */
export class PollerGate {
  private inside = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Runs `poll` once the gate lets this caller in; the next queued caller goes in when it settles. */
  async run<T>(poll: () => Promise<T>): Promise<T> {
    if (this.inside >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.inside++;
    try {
      return await poll();
    } finally {
      // The place is handed over rather than freed, so a newcomer cannot overtake the queue.
      const next = this.queue.shift();
      if (next) next();
      else this.inside--;
    }
  }

  /** Callers polling now. */
  get polling(): number {
    return this.inside;
  }

  /** Callers waiting in the queue. */
  get waiting(): number {
    return this.queue.length;
  }
}
