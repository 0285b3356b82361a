import { createRequire } from 'node:module';
import BeeQueue from 'bee-queue';
import { GroupCommit } from '../store/group-commit.js';
import { QueueUnavailableError } from './errors.js';
import { queueIdOf, type JobQueue, type QueueCounts, type QueueMessage } from './types.js';

const require = createRequire(import.meta.url);
const lua = require('bee-queue/lib/lua/index.js') as { buildCache(client: unknown): Promise<unknown> };
// The node-redis v3 that bee-queue itself uses.
const nodeRedis = createRequire(require.resolve('bee-queue/package.json'))('redis') as {
  createClient(options: object): NodeRedisClient;
};

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
  /** Longest pause between two reconnect attempts (default 1 s); attempts never stop. */
  maxReconnectDelayMs?: number;
  /** Longest wait of any Redis call (enqueue, counts, ping) before it fails with `QUEUE_UNAVAILABLE` (default 2 s). */
  commandTimeoutMs?: number;
  /** How long a first call waits for a queue's first connection (default 1 s). */
  connectWaitMs?: number;
}

/** The node-redis v3 client fields this module reads. */
interface NodeRedisClient {
  ready: boolean;
  on(event: string, listener: (...args: unknown[]) => void): void;
  once(event: string, listener: (...args: unknown[]) => void): void;
  end(flush: boolean): void;
}

/** bee-queue internals this module reaches (bee-queue 2 has no public hooks for them). */
interface BeeInternals {
  client: NodeRedisClient | null;
  bclient: NodeRedisClient | null;
  eclient: NodeRedisClient | null;
  _activateDelayed(): void;
  _emitError(error: unknown): void;
  makeClient(name: string, createNew: boolean): Promise<NodeRedisClient>;
  connect(): Promise<unknown>;
}

/** Every node-redis client a queue object opened, connected or not, so none outlives it. */
const clientsOf = new WeakMap<BeeQueue, NodeRedisClient[]>();

/** One queue name: its current bee-queue object, rebuilt whenever it cannot recover by itself. */
interface Slot {
  name: string;
  worker: boolean;
  bee: BeeQueue | undefined;
  ready: boolean;
  attempt: number;
  /** Until then a caller may wait for the slot's first connection; afterwards a disconnected slot fails at once. */
  firstConnectBy: number;
  timer: NodeJS.Timeout | undefined;
  waiters: Set<() => void>;
  handler: { concurrency: number; fn: (message: QueueMessage) => Promise<void> } | undefined;
}

const internals = (bee: BeeQueue) => bee as unknown as BeeInternals;

/**
 * bee-queue on Redis. Every queue object activates delayed jobs (needed for retries with back-off)
 * and runs `checkStalledJobs` when it consumes, so any surviving worker re-queues a dead worker's job.
 *
 * Redis outages: node-redis reconnects with a capped delay and never gives up; a queue whose first
 * connection failed (or whose client gave up) is rebuilt, so a process started during an outage starts
 * working once Redis is back. Every call is bounded: while Redis is unreachable, `enqueue`, `counts` and
 * `ping` fail fast with `QUEUE_UNAVAILABLE` instead of waiting in node-redis's offline queue — callers
 * whose jobs are recorded go on, and the reconciler sends them later.
 */
export class BeeJobQueue implements JobQueue {
  readonly engine = 'bee-queue' as const;
  private readonly slots = new Map<string, Slot>();
  private readonly senders = new Map<string, GroupCommit<Outgoing, Error | undefined>>();
  private readonly stallInterval: number;
  private readonly maxReconnectDelayMs: number;
  private readonly commandTimeoutMs: number;
  private readonly connectWaitMs: number;
  private closed = false;

  constructor(private readonly options: BeeJobQueueOptions) {
    this.stallInterval = options.stallInterval ?? 5000;
    this.maxReconnectDelayMs = options.maxReconnectDelayMs ?? 1000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.connectWaitMs = options.connectWaitMs ?? 1000;
  }

  private redisOptions() {
    const cap = this.maxReconnectDelayMs;
    return {
      ...redisOptionsFromUrl(this.options.redisUrl),
      // With a retry_strategy node-redis keeps retrying (and does not fail the first connection), at most `cap` apart.
      retry_strategy: ({ attempt }: { attempt: number }) => Math.min(50 * attempt, cap),
    };
  }

  private slot(name: string): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = {
        name,
        worker: false,
        bee: undefined,
        ready: false,
        attempt: 0,
        firstConnectBy: Date.now() + this.connectWaitMs,
        timer: undefined,
        waiters: new Set(),
        handler: undefined,
      };
      this.slots.set(name, slot);
      this.open(slot);
    }
    return slot;
  }

  private open(slot: Slot): void {
    slot.timer = undefined;
    if (this.closed) return;
    const bee = new BeeQueue(slot.name, {
      prefix: this.options.prefix ?? 'relaykit',
      redis: this.redisOptions() as never,
      isWorker: slot.worker,
      getEvents: false,
      sendEvents: false,
      activateDelayedJobs: true,
      removeOnSuccess: true,
      removeOnFailure: true,
      // bee-queue keeps every job it saves in a Map until a job event removes it, and we take no events: off, or
      // the enqueuing process keeps every job it ever sent (the soak profile saw it).
      storeJobs: false,
      stallInterval: this.stallInterval,
      // bee-queue doubles this after each failed blocking pop, without a cap: start small.
      initialRedisFailureRetryDelay: 100,
      autoConnect: false,
    } as BeeQueue.QueueSettings);
    // bee-queue's own makeClient drops a client that fails before it is ready and never retries; ours waits (node-redis
    // keeps reconnecting) and remembers every client, so a queue discarded while still connecting leaves nothing open.
    const clients: NodeRedisClient[] = [];
    clientsOf.set(bee, clients);
    const inner = internals(bee);
    inner.makeClient = (clientName: string) => {
      const client = nodeRedis.createClient(this.redisOptions());
      clients.push(client);
      client.on('error', () => undefined);
      return new Promise<NodeRedisClient>((resolve) => client.once('ready', () => resolve(client))).then(() => {
        client.on('error', inner._emitError);
        (inner as unknown as Record<string, unknown>)[clientName] = client;
        return client;
      });
    };
    void inner.connect();
    slot.bee = bee;
    slot.ready = false;
    bee.on('error', (error: Error & { code?: string }) => {
      // node-redis gave up on this connection (it never does with our retry_strategy, but a client can end).
      if (error?.code === 'CONNECTION_BROKEN') this.rebuild(slot, bee);
    });
    bee.ready().then(
      () => {
        if (slot.bee !== bee) return;
        slot.ready = true;
        slot.attempt = 0;
        this.watch(bee);
        if (slot.handler) this.consume(slot, bee);
        for (const wake of slot.waiters) wake();
        slot.waiters.clear();
      },
      () => this.rebuild(slot, bee),
    );
  }

  /**
   * After a reconnect: a Redis restarted without persistence has lost the Lua scripts bee-queue calls by SHA and
   * the delayed set's timer, so load the scripts again and look for delayed jobs due now.
   */
  private watch(bee: BeeQueue): void {
    const client = internals(bee).client;
    client?.on('ready', () => {
      lua
        .buildCache(client)
        .then(() => internals(bee)._activateDelayed())
        .catch(() => undefined);
    });
  }

  private consume(slot: Slot, bee: BeeQueue): void {
    const handler = slot.handler!;
    bee.process(handler.concurrency, async (job) => handler.fn(job.data as QueueMessage));
    void bee.checkStalledJobs(this.stallInterval).catch(() => undefined);
  }

  /** Drops a queue object that cannot recover by itself (bee-queue never retries a failed first connection) and opens a new one. */
  private rebuild(slot: Slot, bee: BeeQueue): void {
    if (slot.bee !== bee) return;
    slot.bee = undefined;
    slot.ready = false;
    discard(bee);
    if (this.closed) return;
    const delay = Math.min(100 * 2 ** slot.attempt++, this.maxReconnectDelayMs);
    slot.timer = setTimeout(() => this.open(slot), delay);
    slot.timer.unref();
  }

  /** The slot's bee-queue once it is connected now; `QUEUE_UNAVAILABLE` after `waitMs` otherwise. */
  private async connected(slot: Slot, maxWaitMs: number): Promise<BeeQueue> {
    const waitMs = Math.min(maxWaitMs, slot.firstConnectBy - Date.now());
    if (!slot.ready && waitMs > 0) {
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      slot.waiters.add(wake);
      const timer = setTimeout(wake, waitMs);
      await woken;
      clearTimeout(timer);
      slot.waiters.delete(wake);
    }
    const bee = slot.bee;
    if (!slot.ready || !bee || !internals(bee).client?.ready)
      throw new QueueUnavailableError(`Redis is unreachable: queue ${slot.name} is not connected`);
    return bee;
  }

  /** Rejects with `QUEUE_UNAVAILABLE` when `promise` takes longer than the command timeout. */
  private bounded<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new QueueUnavailableError(`Redis did not answer ${what} within ${this.commandTimeoutMs} ms`)),
          this.commandTimeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /**
   * Enqueues in one pipeline. Concurrent calls for the same queue (many HTTP requests at once) share
   * one pipeline too, so a burst of submits costs one Redis round trip rather than one each. Fails fast
   * with `QUEUE_UNAVAILABLE` while Redis is unreachable.
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
    const queue = await this.connected(this.slot(name), this.connectWaitMs);
    const build = () =>
      items.map(({ message, delayUntil }) => {
        const job = queue.createJob(message).setId(queueIdOf(message));
        return delayUntil ? job.delayUntil(delayUntil) : job;
      });
    let jobs = build();
    let errors = await this.bounded(queue.saveAll(jobs), 'an enqueue');
    if ([...errors.values()].some((e) => /NOSCRIPT/.test(String((e as Error)?.message)))) {
      // Redis restarted without persistence: its script cache is empty.
      await this.bounded(lua.buildCache(internals(queue).client), 'a script load');
      jobs = build();
      errors = await this.bounded(queue.saveAll(jobs), 'an enqueue');
    }
    return jobs.map((job) => errors.get(job) as Error | undefined);
  }

  process(name: string, concurrency: number, handler: (message: QueueMessage) => Promise<void>): void {
    const slot = this.slot(name);
    slot.handler = { concurrency, fn: handler };
    if (slot.worker) return;
    // A producer-only queue object cannot consume; replace it with a worker one.
    slot.worker = true;
    if (slot.bee) discard(slot.bee);
    clearTimeout(slot.timer);
    slot.bee = undefined;
    slot.ready = false;
    slot.firstConnectBy = Date.now() + this.connectWaitMs;
    this.open(slot);
  }

  /** Counts of one queue; `QUEUE_UNAVAILABLE` within the command timeout when Redis cannot answer. */
  async counts(name: string): Promise<QueueCounts> {
    const queue = await this.connected(this.slot(name), Math.min(this.connectWaitMs, this.commandTimeoutMs));
    const health = await this.bounded(queue.checkHealth(), 'a count');
    return { waiting: health.waiting, active: health.active, delayed: health.delayed, failed: health.failed };
  }

  async ping(): Promise<boolean> {
    const first = [...this.slots.values()].find((s) => s.ready) ?? this.slots.values().next().value;
    try {
      const queue = await this.connected(first ?? this.slot('ping'), Math.min(this.connectWaitMs, 1000));
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
    this.closed = true;
    const closing: Array<Promise<unknown>> = [];
    for (const slot of this.slots.values()) {
      clearTimeout(slot.timer);
      for (const wake of slot.waiters) wake();
      if (!slot.bee) continue;
      const bee = slot.bee;
      // A queue that is not connected has nothing to drain: end its clients at once (QUIT would wait for Redis).
      closing.push(slot.ready ? bee.close(timeoutMs).catch(() => discard(bee)) : Promise.resolve(discard(bee)));
    }
    await Promise.allSettled(closing);
    this.slots.clear();
  }
}

/** Stops a queue object's timers and ends its connections without waiting on Redis. */
function discard(bee: BeeQueue): void {
  void bee.close(1).catch(() => undefined);
  for (const c of clientsOf.get(bee) ?? []) {
    try {
      c?.end(true);
    } catch {
      /* already ended */
    }
  }
}
