import { createRequire } from 'node:module';
import BeeQueue from 'bee-queue';
import { GroupCommit } from '../store/group-commit.js';
import { queueIdOf, type JobQueue, type QueueCounts, type QueueMessage } from './types.js';

const require = createRequire(import.meta.url);

interface Outgoing {
  message: QueueMessage;
  delayUntil: number | undefined;
}

/** node-redis v3 options from a `redis://` URL (bee-queue takes options, never an ioredis client). */
export function redisOptionsFromUrl(url: string): {
  host: string;
  port: number;
  db: number;
  password?: string;
  username?: string;
} {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    db: Number(parsed.pathname.slice(1) || 0),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

/** Options of {@link BeeJobQueue}. */
export interface BeeJobQueueOptions {
  redisUrl: string;
  /** Key prefix (bee-queue's `prefix`), e.g. `relaykit`. */
  prefix?: string;
  /** bee-queue `stallInterval`: a worker that stops renewing its lock this long is stalled. */
  stallInterval?: number;
}

/**
 * bee-queue on Redis. Every queue object activates delayed jobs (needed for retries with back-off)
 * and runs `checkStalledJobs` when it consumes, so any surviving worker re-queues a dead worker's job.
 */
export class BeeJobQueue implements JobQueue {
  readonly engine = 'bee-queue' as const;
  private readonly queues = new Map<string, BeeQueue>();
  private readonly senders = new Map<string, GroupCommit<Outgoing, Error | undefined>>();
  private readonly stallInterval: number;

  constructor(private readonly options: BeeJobQueueOptions) {
    this.stallInterval = options.stallInterval ?? 5000;
  }

  private queue(name: string, worker = false): BeeQueue {
    let queue = this.queues.get(name);
    if (queue) return queue;
    queue = new BeeQueue(name, {
      prefix: this.options.prefix ?? 'relaykit',
      redis: redisOptionsFromUrl(this.options.redisUrl) as never,
      isWorker: worker,
      getEvents: false,
      sendEvents: false,
      activateDelayedJobs: true,
      removeOnSuccess: true,
      removeOnFailure: true,
      stallInterval: this.stallInterval,
    });
    // node-redis reconnects by itself; a Redis restarted without persistence has lost the Lua
    // scripts bee-queue calls by SHA, so load them again on every (re)connect.
    const reload = (client: { on(ev: string, fn: () => void): void } | undefined) =>
      client?.on('ready', () => {
        const lua = require('bee-queue/lib/lua/index.js') as { buildCache(client: unknown): Promise<unknown> };
        lua.buildCache(client).catch(() => undefined);
      });
    const q = queue as unknown as {
      client?: { on(ev: string, fn: () => void): void };
      eclient?: { on(ev: string, fn: () => void): void };
    };
    void queue
      .ready()
      .then(() => reload(q.client))
      .catch(() => undefined);
    queue.on('error', () => undefined);
    this.queues.set(name, queue);
    return queue;
  }

  /**
   * Enqueues in one pipeline. Concurrent calls for the same queue (many HTTP requests at once) share
   * one pipeline too, so a burst of submits costs one Redis round trip rather than one each.
   */
  async enqueue(name: string, messages: QueueMessage[], options: { delayMs?: number } = {}): Promise<void> {
    if (!messages.length) return;
    let sender = this.senders.get(name);
    if (!sender)
      this.senders.set(
        name,
        (sender = new GroupCommit((items: Outgoing[]) => this.send(name, items), { maxItems: 5000, maxInFlight: 4 })),
      );
    const delayUntil = options.delayMs && options.delayMs > 0 ? Date.now() + options.delayMs : undefined;
    const failures = await sender.run(messages.map((message) => ({ message, delayUntil })));
    const failed = failures.find((f) => f !== undefined);
    if (failed) throw failed;
  }

  private async send(name: string, items: Outgoing[]): Promise<Array<Error | undefined>> {
    const queue = this.queue(name);
    await queue.ready();
    const build = () =>
      items.map(({ message, delayUntil }) => {
        const job = queue.createJob(message).setId(queueIdOf(message));
        return delayUntil ? job.delayUntil(delayUntil) : job;
      });
    let jobs = build();
    let errors = await queue.saveAll(jobs);
    if ([...errors.values()].some((e) => /NOSCRIPT/.test(String((e as Error)?.message)))) {
      // Redis restarted without persistence: its script cache is empty.
      const lua = require('bee-queue/lib/lua/index.js') as { buildCache(client: unknown): Promise<unknown> };
      await lua.buildCache((queue as unknown as { client: unknown }).client);
      jobs = build();
      errors = await queue.saveAll(jobs);
    }
    return jobs.map((job) => errors.get(job) as Error | undefined);
  }

  process(name: string, concurrency: number, handler: (message: QueueMessage) => Promise<void>): void {
    if (this.queues.has(name)) {
      // A producer-only queue object cannot consume; replace it with a worker one.
      void this.queues
        .get(name)!
        .close()
        .catch(() => undefined);
      this.queues.delete(name);
    }
    const queue = this.queue(name, true);
    queue.process(concurrency, async (job) => handler(job.data as QueueMessage));
    void queue.checkStalledJobs(this.stallInterval).catch(() => undefined);
  }

  async counts(name: string): Promise<QueueCounts> {
    const health = await this.queue(name).checkHealth();
    return { waiting: health.waiting, active: health.active, delayed: health.delayed };
  }

  async ping(): Promise<boolean> {
    const first = this.queues.values().next();
    const queue = first.done ? this.queue('ping') : first.value;
    try {
      await Promise.race([
        queue.checkHealth(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref()),
      ]);
      return true;
    } catch {
      return false;
    }
  }

  async close(timeoutMs = 10_000): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close(timeoutMs)));
    this.queues.clear();
  }
}
