// Gateway throughput and webhook ACK latency on real Redis and PostgreSQL with a no-op upstream.
//   npm run bench -- gateway [--jobs 4000] [--batch 100] [--concurrency 64] [--workers 100] [--rounds 3] [--rate 1000] [--seconds 5]
//                            [--only single,batch,live,bare,webhook]  (live: single submits with the console's SSE overview open)
// (a) jobs/s end to end (HTTP submit → record → enqueue → worker → upstream call → record), single and batch submits;
// (b) the same pipeline on bare bee-queue (enqueue → worker → upstream call), our ceiling, and the ratio;
// (c) webhook ACK latency p50/p99 at a fixed rate, next to GET /healthz at the same rate (the HTTP floor).
// The senders run in a separate process (bench/gateway/loadgen.ts) in every case, bare bee-queue included; the
// gateway, its workers and the no-op upstream run here. (c) is open-loop: request i is due at start + i/rate and
// its latency counts from then, so a server or client falling behind cannot hide it (no coordinated omission).
// Per-job costs are counted too: SQL statements (wrapping the gateway's client) and Redis commands (INFO stats).
import { createHmac, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import BeeQueue from 'bee-queue';
import { Redis } from 'ioredis';
import { Agent, fetch as ufetch } from 'undici';
import { z } from 'zod';
import { defineConnector, silentLogger } from '@relaykit/sdk-core';
import {
  Gateway,
  createJobQueue,
  openSql,
  parseConfig,
  redisOptionsFromUrl,
  type JobQueue,
  type JobSettled,
  type SqlClient,
} from '@relaykit/gateway';
import { startPostgres, startRedis } from '@relaykit/testkit';
import { benchArgs, numberArg, reportBench, round } from './lib.js';

const JOBS = numberArg('jobs', 4000);
const BATCH = numberArg('batch', 100);
// 64 clients: enough offered load that single submits measure the gateway, not one client's round-trip time.
const CONCURRENCY = numberArg('concurrency', 64);
const RATE = numberArg('rate', 1000);
const SECONDS = numberArg('seconds', 5);
// Jobs in flight per worker process, the same on both sides. Bare bee-queue is CPU-bound from 50 on (2,250 jobs/s at
// 50 and at 100 on a 2-core machine); the gateway's durable claim and result records add latency per job, which
// concurrency hides — at 50 it was latency-bound (ratio ≈ 0.47), at 100 it is not (≈ 0.54).
const WORKER_CONCURRENCY = numberArg('workers', 100);
const ROUNDS = numberArg('rounds', 3);
const DEBUG = benchArgs().debug === 'true';
const timings: Record<string, Array<[number, number]>> = {};
const SECRET = 'bench-secret';
// --only single,batch,bare,webhook runs a subset (profiling one phase); the ratios need all of them.
const ONLY = new Set((benchArgs().only ?? 'single,batch,live,bare,webhook').split(','));
const LOADGEN = fileURLToPath(new URL('./gateway/loadgen.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// A no-op upstream on loopback: every job makes one real HTTP call.
const upstream: Server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('{"ok":true}'));
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
const agent = new Agent({ connections: 64 });
const callUpstream = async () => {
  const res = await ufetch(upstreamUrl, { method: 'POST', body: '{}', dispatcher: agent });
  await res.text();
};

const noop = defineConnector({
  name: 'noop',
  version: '1.0.0',
  config: z.object({}),
  setup: () => ({}),
  operations: {
    call: {
      description: 'One no-op upstream call.',
      idempotent: true,
      input: z.object({ n: z.number() }),
      output: z.object({ ok: z.boolean() }),
      run: async () => {
        await callUpstream();
        return { ok: true };
      },
    },
  },
  webhooks: {
    events: {
      description: 'HMAC-signed events.',
      verify: (_ctx, req) =>
        createHmac('sha256', SECRET).update(req.rawBody).digest('hex') === req.headers['x-signature'],
      parse: (_ctx, req) => [JSON.parse(Buffer.from(req.rawBody).toString()) as { id: string }],
      dedupeKey: (e: { id: string }) => e.id,
      handle: async () => {
        await callUpstream();
      },
    },
  },
});

const redis = await startRedis();
const postgres = await startPostgres();
const redisStats = new Redis(redis.url);
const redisCommands = async () =>
  Number(/total_commands_processed:(\d+)/.exec(await redisStats.info('stats'))?.[1] ?? NaN);

/** Starts the load generator process; `go()` starts its run and resolves with its figures. */
async function loadgen(task: Record<string, unknown>): Promise<{ go(): Promise<Record<string, any>> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', LOADGEN, JSON.stringify(task)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  let waiting: ((line: string) => void) | undefined;
  lines.on('line', (line) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(line);
    } else queue.push(line);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`))),
  );
  const next = () =>
    Promise.race([
      exited,
      new Promise<string>((resolve) => {
        const l = queue.shift();
        if (l !== undefined) resolve(l);
        else waiting = resolve;
      }),
    ]);
  if ((await next()) !== 'ready') throw new Error('load generator did not start');
  return {
    async go() {
      child.stdin!.write('go\n');
      return JSON.parse(await next()) as Record<string, any>;
    },
  };
}

/** Counts every statement sent through the gateway's database client. */
function countingSql(inner: SqlClient): SqlClient & { statements: number } {
  const counted = {
    statements: 0,
    engine: inner.engine,
    query: (text: string, params?: unknown[]) => {
      counted.statements++;
      if (!DEBUG) return inner.query(text, params);
      const t0 = performance.now();
      const kind =
        /^\s*(WITH input[\s\S]*?(UPDATE|INSERT INTO) relaykit_\w+( j SET (status = 'succeeded'|stalls))?|\w+ (INTO |FROM )?relaykit_\w+)/
          .exec(text)?.[0]
          .replace(/\s+/g, ' ')
          .replace(/WITH input.*?\)\), \w+ AS \( /, '') ?? text.slice(0, 30);
      const size = Array.isArray(params?.[0]) ? (params[0] as unknown[]).length : 1;
      return inner.query(text, params).finally(() => {
        (timings[kind] ??= []).push([performance.now() - t0, size]);
      });
    },
    transaction: <T>(fn: Parameters<SqlClient['transaction']>[0]) =>
      inner.transaction(
        (tx) =>
          fn({
            ...tx,
            query: (text: string, params?: unknown[]) => {
              counted.statements++;
              return tx.query(text, params);
            },
          }) as Promise<T>,
      ),
    close: () => inner.close(),
  };
  return counted as unknown as SqlClient & { statements: number };
}

async function withGateway<T>(
  role: 'all' | 'api',
  fn: (g: Gateway, url: string, key: string, sql: SqlClient & { statements: number }) => Promise<T>,
): Promise<T> {
  const config = parseConfig(
    {
      redis: { url: redis.url, prefix: `bench-${randomUUID().slice(0, 6)}` },
      database: { url: await postgres.createDatabase() },
      apiKeys: { rateLimits: [] },
      environments: ['bench'],
      instances: { noop: { connector: 'noop', environment: 'bench', concurrency: WORKER_CONCURRENCY } },
    },
    {},
  );
  const sql = countingSql(await openSql({ url: config.database.url }));
  let queue: JobQueue | undefined;
  if (DEBUG) {
    // Times every enqueue as the ACK path sees it (group wait + Redis round trip).
    const inner = createJobQueue({
      redisUrl: config.redis.url,
      prefix: config.redis.prefix,
      stallInterval: config.jobs.stallInterval,
    });
    const enqueue = inner.enqueue.bind(inner);
    inner.enqueue = (name, messages, options) => {
      const t0 = performance.now();
      return enqueue(name, messages, options).finally(() => {
        (timings.enqueue ??= []).push([performance.now() - t0, messages.length]);
      });
    };
    queue = inner;
  }
  const gateway = await Gateway.create({
    config,
    role,
    connectors: { noop },
    logger: silentLogger,
    sql,
    ...(queue ? { queue } : {}),
  });
  try {
    const url = await gateway.listen(0, '127.0.0.1');
    const { secret } = await gateway.keys.create({ name: 'bench', environment: 'bench', scopes: ['*'] });
    return await fn(gateway, url, secret, sql);
  } finally {
    await gateway.close();
    await queue?.close(1000);
    await sql.close();
  }
}

/** Resolves when `total` jobs have been recorded as succeeded (the runner emits after the row is committed). */
function succeeded(gateway: Gateway, total: number): Promise<void> {
  let count = 0;
  return new Promise((resolve) => {
    const on = (event: JobSettled) => {
      if (event.status === 'succeeded' && ++count === total) {
        gateway.runner!.events.off('settled', on);
        resolve();
      }
    };
    gateway.runner!.events.on('settled', on);
  });
}

/**
 * The console's live overview on the gateway under load: one Server-Sent Events client on `/v1/admin/stream`
 * (its stats queries and pushes run in the same process as the HTTP and the workers). Returns a stop function
 * resolving to the number of `stats` events received.
 */
async function openLiveOverview(gateway: Gateway, url: string): Promise<() => Promise<number>> {
  const { secret } = await gateway.keys.create({ name: 'console', environment: 'bench', scopes: ['admin:read'] });
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/admin/stream`, {
    headers: { authorization: `Bearer ${secret}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`live overview: HTTP ${res.status}`);
  let events = 0;
  const decoder = new TextDecoder();
  const reading = (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
        events += (decoder.decode(chunk, { stream: true }).match(/^event: stats$/gm) ?? []).length;
    } catch {
      /* aborted at the end */
    }
  })();
  return async () => {
    controller.abort();
    await reading;
    return events;
  };
}

async function endToEnd(mode: 'submit' | 'batch', live = false) {
  return withGateway('all', async (gateway, url, key, sql) => {
    const stopLive = live ? await openLiveOverview(gateway, url) : undefined;
    const total = mode === 'submit' ? JOBS : Math.ceil(JOBS / BATCH) * BATCH;
    const gen = await loadgen({
      mode,
      url,
      key,
      total,
      batch: BATCH,
      concurrency: mode === 'submit' ? CONCURRENCY : Math.max(1, Math.floor(CONCURRENCY / 8)),
    });
    const done = succeeded(gateway, total);
    const [statements, commands] = [sql.statements, await redisCommands()];
    const cpu = process.cpuUsage();
    const started = performance.now();
    const sent = await gen.go();
    await done;
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const liveEvents = await stopLive?.();
    return {
      ...(liveEvents === undefined ? {} : { liveEvents }),
      endToEndPerSec: total / (ms / 1000),
      submitPerSec: sent.submitPerSec as number,
      submitLatency: { p50Ms: sent.p50Ms as number, p99Ms: sent.p99Ms as number },
      cpuUsPerJob: round((used.user + used.system) / total, 0),
      sqlPerJob: round((sql.statements - statements) / total, 2),
      redisCommandsPerJob: round(((await redisCommands()) - commands - 1) / total, 2),
    };
  });
}

// (b) bare bee-queue: a producer process enqueues singly → a worker here → upstream call
async function bareRun() {
  const settings = {
    redis: redisOptionsFromUrl(redis.url) as never,
    prefix: `bare-${randomUUID().slice(0, 6)}`,
    getEvents: false,
    sendEvents: false,
    removeOnSuccess: true,
  };
  const worker = new BeeQueue('bare', settings);
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => {
    resolveAll = r;
  });
  worker.process(WORKER_CONCURRENCY, async () => {
    await callUpstream();
    if (++done === JOBS) resolveAll();
  });
  await worker.ready();
  const gen = await loadgen({
    mode: 'bee',
    redis: settings.redis,
    prefix: settings.prefix,
    queue: 'bare',
    total: JOBS,
    concurrency: CONCURRENCY,
  });
  const commands = await redisCommands();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await gen.go();
  await all;
  const perSec = JOBS / ((performance.now() - started) / 1000);
  const used = process.cpuUsage(cpu);
  const cpuUsPerJob = round((used.user + used.system) / JOBS, 0);
  const redisCommandsPerJob = round(((await redisCommands()) - commands - 1) / JOBS, 2);
  await worker.close();
  return { endToEndPerSec: perSec, redisCommandsPerJob, cpuUsPerJob };
}

// (a) and (b) interleaved over --rounds rounds, in a rotating order, each figure the median of its rounds: the machine is
// shared and its load drifts, so side-by-side rounds compare like with like better than one long run of each.
interface Figures {
  endToEndPerSec: number;
  liveEvents?: number;
  submitPerSec?: number;
  submitLatency?: Record<string, number>;
  sqlPerJob?: number;
  redisCommandsPerJob: number;
  cpuUsPerJob: number;
}
const skipped: Figures = { endToEndPerSec: NaN, redisCommandsPerJob: NaN, cpuUsPerJob: NaN };
const phases: Record<string, () => Promise<Figures>> = {
  single: () => endToEnd('submit'),
  batch: () => endToEnd('batch'),
  // Single submits again, with the console's live overview (one SSE client) open against the gateway.
  live: () => endToEnd('submit', true),
  bare: bareRun,
};
const rounds: Record<string, Figures[]> = { single: [], batch: [], live: [], bare: [] };
const order = ['bare', 'single', 'batch', 'live'].filter((p) => ONLY.has(p));
for (let r = 0; r < ROUNDS; r++) {
  for (const phase of [...order.slice(r % Math.max(1, order.length)), ...order.slice(0, r % Math.max(1, order.length))])
    rounds[phase]!.push(await phases[phase]!());
}
const median = (runs: Figures[]): Figures =>
  runs.length ? [...runs].sort((a, b) => a.endToEndPerSec - b.endToEndPerSec)[Math.floor(runs.length / 2)]! : skipped;
const [single, batch, live, bare] = [
  median(rounds.single!),
  median(rounds.batch!),
  median(rounds.live!),
  median(rounds.bare!),
];
const ratios = (a: Figures[], b: Figures[]) =>
  a.map((x, i) => round(x.endToEndPerSec / (b[i]?.endToEndPerSec ?? NaN), 3));

// (c) webhook ACK latency at a fixed rate on an API-only gateway (the ACK path: verify, record, enqueue, 200; workers
// run in other processes in production), and GET /healthz at the same rate on the same process.
// Also over --rounds rounds (healthz then webhook each round); the round with the median webhook p99 is reported, with
// every round's p99 next to it.
const { webhook, healthz } = !ONLY.has('webhook')
  ? { webhook: {}, healthz: {} }
  : await withGateway('api', async (_gateway, url) => {
      const task = { mode: 'rate', url, secret: SECRET, rate: RATE, seconds: SECONDS, connections: 32 };
      const runs: Array<{ healthz: Record<string, any>; webhook: Record<string, any> }> = [];
      for (let r = 0; r < ROUNDS; r++) {
        const healthz = await (await loadgen({ ...task, target: 'healthz' })).go();
        const webhook = await (await loadgen({ ...task, target: 'webhook' })).go();
        runs.push({ healthz, webhook });
      }
      const sorted = [...runs].sort((a, b) => a.webhook.p99Ms - b.webhook.p99Ms);
      const mid = sorted[Math.floor(sorted.length / 2)]!;
      return {
        webhook: { ...mid.webhook, p99MsByRound: runs.map((x) => x.webhook.p99Ms) },
        healthz: { ...mid.healthz, p99MsByRound: runs.map((x) => x.healthz.p99Ms) },
      };
    });

if (DEBUG) {
  for (const [kind, list] of Object.entries(timings)) {
    const ms = list.map((t) => t[0]).sort((a, b) => a - b);
    console.error(kind, {
      statements: list.length,
      rowsAvg: round(list.reduce((a, t) => a + t[1], 0) / list.length),
      p50Ms: round(ms[Math.floor(ms.length / 2)]!),
      p99Ms: round(ms[Math.floor(ms.length * 0.99)]!),
    });
  }
}
await agent.close();
upstream.close();
redisStats.disconnect();
await redis.stop();
await postgres.stop();

reportBench('gateway', {
  jobs: JOBS,
  batchSize: BATCH,
  submitConcurrency: CONCURRENCY,
  workerConcurrency: WORKER_CONCURRENCY,
  singleSubmitPerSec: round(single.submitPerSec ?? NaN),
  singleEndToEndPerSec: round(single.endToEndPerSec),
  singleSubmitLatency: single.submitLatency,
  batchEndToEndPerSec: round(batch.endToEndPerSec),
  bareBeeQueuePerSec: round(bare.endToEndPerSec),
  ratioSingleToBare: round(single.endToEndPerSec / bare.endToEndPerSec, 3),
  ratioBatchToBare: round(batch.endToEndPerSec / bare.endToEndPerSec, 3),
  // With the console's live overview open (one SSE client): its ratio to bare, and to single submits without it.
  liveOverview: {
    ratioSingleToBare: round(live.endToEndPerSec / bare.endToEndPerSec, 3),
    ratioToWithout: round(live.endToEndPerSec / single.endToEndPerSec, 3),
    statsEventsPerRun: live.liveEvents,
  },
  rounds: ROUNDS,
  // Each round's own ratio (the same round's bare run as the ceiling), to show the spread.
  ratioSingleByRound: ratios(rounds.single!, rounds.bare!),
  ratioBatchByRound: ratios(rounds.batch!, rounds.bare!),
  // Work per job: SQL statements, Redis commands, and CPU µs of the process running the workers (the gateway
  // process: HTTP + workers + upstream; bare: worker + upstream) — steadier than jobs/s on a shared machine.
  perJob: {
    single: { sql: single.sqlPerJob, redis: single.redisCommandsPerJob, cpuUs: single.cpuUsPerJob },
    batch: { sql: batch.sqlPerJob, redis: batch.redisCommandsPerJob, cpuUs: batch.cpuUsPerJob },
    bare: { redis: bare.redisCommandsPerJob, cpuUs: bare.cpuUsPerJob },
  },
  webhookAck: webhook,
  healthzAtSameRate: healthz,
});
process.exit(0);
