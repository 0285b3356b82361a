// Rate-limiter throughput: memory vs Redis adapters side by side, single key and many keys, with
// concurrency, plus Redis round trips per acquire (a counter on the limiter's client: INFO
// commandstats would also count the commands each Lua script runs inside the server).
//   npm run bench -- ratelimit [--ops 20000] [--concurrency 64] [--keys 1000] [--saturateMs 1500]
import {
  createRedisClient,
  MemoryRateLimiter,
  RedisRateLimiter,
  type BaseRateLimiter,
  type RateWindow,
} from '@relaykit/sdk-core';
import { startRedis, type RedisServer } from '@relaykit/testkit';
import { numberArg, reportBench, round } from './lib.js';

const ops = numberArg('ops', 20_000);
const concurrency = numberArg('concurrency', 64);
const keyCount = numberArg('keys', 1000);
const saturateMs = numberArg('saturateMs', 1500);

let server: RedisServer | undefined;
let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  server = await startRedis();
  redisUrl = server.url;
}
const admin = createRedisClient(redisUrl);
const prefix = `relaykit:bench:rl:${Date.now().toString(36)}`;

/** A client that counts every command it sends (one command = one round trip, unpipelined). */
function countingClient() {
  const client = createRedisClient(redisUrl!);
  const counter = { sent: 0 };
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<typeof send>) => {
    counter.sent++;
    return send(...args);
  }) as typeof client.sendCommand;
  return { client, counter };
}
const { client: benchClient, counter } = countingClient();
const commandCount = async () => counter.sent;

/** Runs `n` acquires with `parallel` loops in flight; returns ops/s and Redis commands per acquire. */
async function run(limiter: BaseRateLimiter, n: number, parallel: number, keyOf: (i: number) => string) {
  let next = 0;
  const before = await commandCount();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) await limiter.acquire(keyOf(next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const commands = (await commandCount()) - before;
  return { opsPerSec: round(n / seconds, 0), roundTripsPerAcquire: round(Math.max(0, commands) / n, 3) };
}

// Limits far above what the loop can reach: these measure the limiter's own cost per acquire.
const loose: RateWindow[] = [
  { limit: 1e9, windowMs: 1000 },
  { limit: 1e10, windowMs: 60_000 },
  { limit: 1e11, windowMs: 3_600_000 },
];
const single = () => 'single';
const many = (i: number) => `k${i % keyCount}`;

const figures: Record<string, unknown> = {
  ops,
  concurrency,
  keys: keyCount,
  windows: loose.length,
  redis: server ? 'private' : 'REDIS_URL',
};
const memory = new MemoryRateLimiter({ rules: loose });
const redis = new RedisRateLimiter({ redis: benchClient, rules: loose, prefix });
await redis.tryAcquire('warm-up'); // connect and load the script outside the timings

const cases: Array<[string, BaseRateLimiter, number, (i: number) => string]> = [];
for (const [name, limiter, n] of [
  ['memory', memory, ops * 5],
  ['redis', redis, ops],
] as const) {
  cases.push([`${name}_single_c1`, limiter, Math.min(n, ops), single]);
  cases.push([`${name}_single_c${concurrency}`, limiter, n, single]);
  cases.push([`${name}_many_c${concurrency}`, limiter, n, many]);
}
for (const [label, limiter, n, keyOf] of cases) {
  const result = await run(limiter, n, label.endsWith('_c1') ? 1 : concurrency, keyOf);
  figures[`${label}_ops_per_sec`] = result.opsPerSec;
  if (label.startsWith('redis')) figures[`${label}_round_trips_per_acquire`] = result.roundTripsPerAcquire;
  console.log(label, result);
}
figures.memory_vs_redis_single_ratio = round(
  (figures[`memory_single_c${concurrency}_ops_per_sec`] as number) /
    (figures[`redis_single_c${concurrency}_ops_per_sec`] as number),
  1,
);

// Saturated: 8 waiters share a real limit (burst 10). The achieved rate should equal the limit;
// round trips per admitted acquire include any attempt that was told to wait.
for (const limitPerSec of [200, 1000]) {
  const saturated = new RedisRateLimiter({
    redis: benchClient,
    rules: [{ limit: limitPerSec, windowMs: 1000, burst: 10 }],
    prefix,
  });
  await saturated.tryAcquire(`saturated-warm-up-${limitPerSec}`);
  let admitted = 0;
  const stop = AbortSignal.timeout(saturateMs);
  const before = await commandCount();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (!stop.aborted) {
        try {
          await saturated.acquire(`hot-${limitPerSec}`, 1, { signal: stop });
          admitted++;
        } catch {
          break;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const commands = (await commandCount()) - before;
  figures[`redis_saturated_${limitPerSec}_achieved_per_sec`] = round((admitted - 10) / seconds, 1);
  figures[`redis_saturated_${limitPerSec}_round_trips_per_admitted`] = round(commands / admitted, 2);
  await saturated.close();
}

await memory.close();
await redis.close();
const leftovers = await admin.keys(`${prefix}:*`);
if (leftovers.length) await admin.del(...leftovers);
await admin.quit();
await benchClient.quit();
await server?.stop();
reportBench('ratelimit', figures);
