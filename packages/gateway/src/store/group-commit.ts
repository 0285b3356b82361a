/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Most items written by one statement (a caller's items are never split). Default 1,000. */
  maxItems?: number;
  /** Statements in flight at once; items arriving meanwhile wait for the next one. Default 2. */
  maxInFlight?: number;
}

interface Pending<T, R> {
  items: T[];
  resolve: (value: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: requests arriving while a statement is in flight (or in the same turn of the event
 * loop) are written together by the next statement, so N concurrent requests cost one round trip and
 * one commit instead of N. Each caller's promise settles only when the statement carrying its items has
 * committed, so "durable before the answer" holds per caller. At low load nothing waits: the first
 * request goes out at once.
 *
 * `write` must be atomic (one statement, or one transaction): when a grouped write fails, every caller
 * is retried alone, so one caller's bad item cannot fail the others.
 */
export class GroupCommit<T, R> {
  private queue: Array<Pending<T, R>> = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxItems: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** Writes `items` (atomically, with whatever else is grouped with them); resolves with one result per item. */
  run(items: T[]): Promise<R[]> {
    if (!items.length) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.schedule();
    });
  }

  /** Writes one item. */
  async one(item: T): Promise<R> {
    return (await this.run([item]))[0]!;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || !this.queue.length) return;
    this.scheduled = true;
    // setImmediate rather than a microtask: requests parsed in the same I/O phase join this statement.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const group: Array<Pending<T, R>> = [];
      let count = 0;
      while (this.queue.length && (group.length === 0 || count + this.queue[0]!.items.length <= this.maxItems)) {
        const next = this.queue.shift()!;
        group.push(next);
        count += next.items.length;
      }
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  private async commit(group: Array<Pending<T, R>>): Promise<void> {
    try {
      const items = group.flatMap((p) => p.items);
      const results = await this.write(items);
      if (results.length !== items.length)
        throw new TypeError(`group commit: ${results.length} results for ${items.length} items`);
      let offset = 0;
      for (const pending of group) {
        pending.resolve(results.slice(offset, offset + pending.items.length));
        offset += pending.items.length;
      }
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      // The grouped statement wrote nothing (it is atomic): give each caller its own outcome.
      await Promise.all(
        group.map(async (pending) => {
          try {
            pending.resolve(await this.write(pending.items));
          } catch (own) {
            pending.reject(own);
          }
        }),
      );
    }
  }
}
