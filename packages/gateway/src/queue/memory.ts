import { queueIdOf, type JobQueue, type QueueCounts, type QueueMessage } from './types.js';

interface Lane {
  waiting: QueueMessage[];
  delayed: Map<string, NodeJS.Timeout>;
  known: Set<string>;
  active: number;
  concurrency: number;
  handler?: (message: QueueMessage) => Promise<void>;
}

const idOf = queueIdOf;

/**
 * In-process queue with the same interface as the bee-queue one. Messages die with the process;
 * the reconciler re-enqueues accepted jobs from the job store after a restart.
 */
export class MemoryJobQueue implements JobQueue {
  readonly engine = 'memory' as const;
  private readonly lanes = new Map<string, Lane>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane)
      this.lanes.set(name, (lane = { waiting: [], delayed: new Map(), known: new Set(), active: 0, concurrency: 0 }));
    return lane;
  }

  async enqueue(queue: string, messages: QueueMessage[], options: { delayMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    const lane = this.lane(queue);
    for (const message of messages) {
      const id = idOf(message);
      if (lane.known.has(id)) continue;
      lane.known.add(id);
      if (options.delayMs && options.delayMs > 0) {
        const timer = setTimeout(() => {
          lane.delayed.delete(id);
          lane.waiting.push(message);
          this.pump(lane);
        }, options.delayMs);
        timer.unref();
        lane.delayed.set(id, timer);
      } else {
        lane.waiting.push(message);
      }
    }
    this.pump(lane);
  }

  process(queue: string, concurrency: number, handler: (message: QueueMessage) => Promise<void>): void {
    const lane = this.lane(queue);
    lane.handler = handler;
    lane.concurrency = concurrency;
    this.pump(lane);
  }

  private pump(lane: Lane): void {
    while (!this.closed && lane.handler && lane.active < lane.concurrency && lane.waiting.length) {
      const message = lane.waiting.shift()!;
      lane.active++;
      const run = lane
        .handler(message)
        .catch(() => undefined)
        .finally(() => {
          lane.active--;
          lane.known.delete(idOf(message));
          this.running.delete(run);
          this.pump(lane);
        });
      this.running.add(run);
    }
  }

  async counts(queue: string): Promise<QueueCounts> {
    const lane = this.lane(queue);
    return { waiting: lane.waiting.length, active: lane.active, delayed: lane.delayed.size, failed: 0 };
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) for (const timer of lane.delayed.values()) clearTimeout(timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
