// Gateway throughput and webhook ACK latency on real Redis and PostgreSQL with a no-op upstream.
//   npm run bench -- gateway [--jobs 2000] [--batch 100] [--concurrency 32] [--rate 1000] [--seconds 3]
// (a) jobs/s end to end (HTTP submit → worker → upstream call → record), single and batch submits;
// (b) the same pipeline on bare bee-queue (enqueue → worker → upstream call), our ceiling;
// (c) webhook ACK latency p50/p99 at a fixed rate.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import BeeQueue from 'bee-queue';
import { Agent, fetch as ufetch } from 'undici';
import { z } from 'zod';
import { defineConnector, silentLogger } from '@relaykit/sdk-core';
import { Gateway, parseConfig, redisOptionsFromUrl } from '@relaykit/gateway';
import { startPostgres, startRedis } from '@relaykit/testkit';
import { numberArg, reportBench, round } from './lib.js';

const JOBS = numberArg('jobs', 2000);
const BATCH = numberArg('batch', 100);
const CONCURRENCY = numberArg('concurrency', 32);
const RATE = numberArg('rate', 1000);
const SECONDS = numberArg('seconds', 3);
const WORKER_CONCURRENCY = numberArg('workers', 50);
const SECRET = 'bench-secret';

// A no-op upstream on loopback: every job makes one real HTTP call.
const upstream: Server = createServer((req, res) => { req.resume(); req.on('end', () => res.end('{"ok":true}')); });
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
    call: { description: 'One no-op upstream call.', idempotent: true, input: z.object({ n: z.number() }), output: z.object({ ok: z.boolean() }), run: async () => { await callUpstream(); return { ok: true }; } },
  },
  webhooks: {
    events: {
      description: 'HMAC-signed events.',
      verify: (_ctx, req) => createHmac('sha256', SECRET).update(req.rawBody).digest('hex') === req.headers['x-signature'],
      parse: (_ctx, req) => [JSON.parse(Buffer.from(req.rawBody).toString()) as { id: string }],
      dedupeKey: (e: { id: string }) => e.id,
      handle: async () => { await callUpstream(); },
    },
  },
});

const redis = await startRedis();
const postgres = await startPostgres();
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function withGateway<T>(fn: (g: Gateway, url: string, key: string) => Promise<T>, role: 'all' | 'api' = 'all'): Promise<T> {
  const config = parseConfig({
    redis: { url: redis.url, prefix: `bench-${randomUUID().slice(0, 6)}` },
    database: { url: await postgres.createDatabase() },
    apiKeys: { rateLimits: [] },
    environments: ['bench'],
    instances: { noop: { connector: 'noop', environment: 'bench', concurrency: WORKER_CONCURRENCY } },
  }, {});
  const gateway = await Gateway.create({ config, role, connectors: { noop }, logger: silentLogger });
  try {
    const url = await gateway.listen(0, '127.0.0.1');
    const { secret } = await gateway.keys.create({ name: 'bench', environment: 'bench', scopes: ['*'] });
    return await fn(gateway, url, secret);
  } finally {
    await gateway.close();
  }
}

async function waitDone(gateway: Gateway, total: number): Promise<void> {
  for (;;) {
    const { rows } = await gateway.sql.query<{ n: string }>("SELECT count(*) AS n FROM relaykit_jobs WHERE status = 'succeeded'");
    if (Number(rows[0]!.n) >= total) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < total) await task(next++); }));
}

// (a) single submits
const single = await withGateway(async (gateway, url, key) => {
  const started = performance.now();
  await pool(JOBS, CONCURRENCY, async (i) => {
    const res = await ufetch(`${url}/v1/noop/call`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ n: i }), dispatcher: agent });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    await res.text();
  });
  const submitted = performance.now();
  await waitDone(gateway, JOBS);
  const done = performance.now();
  return { submitPerSec: JOBS / ((submitted - started) / 1000), endToEndPerSec: JOBS / ((done - started) / 1000) };
});

// (a) batch submits
const batch = await withGateway(async (gateway, url, key) => {
  const started = performance.now();
  await pool(Math.ceil(JOBS / BATCH), Math.max(1, Math.floor(CONCURRENCY / 8)), async (b) => {
    const jobs = Array.from({ length: BATCH }, (_, i) => ({ instance: 'noop', operation: 'call', input: { n: b * BATCH + i } }));
    const res = await ufetch(`${url}/v1/jobs/batch`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ jobs }), dispatcher: agent });
    if (res.status !== 202) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
    await res.text();
  });
  await waitDone(gateway, Math.ceil(JOBS / BATCH) * BATCH);
  return { endToEndPerSec: (Math.ceil(JOBS / BATCH) * BATCH) / ((performance.now() - started) / 1000) };
});

// (b) bare bee-queue: enqueue singly → worker → upstream call
const bare = await (async () => {
  const settings = { redis: redisOptionsFromUrl(redis.url) as never, prefix: `bare-${randomUUID().slice(0, 6)}`, getEvents: false, sendEvents: false, removeOnSuccess: true };
  const producer = new BeeQueue('bare', { ...settings, isWorker: false });
  const worker = new BeeQueue('bare', settings);
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => { resolveAll = r; });
  worker.process(WORKER_CONCURRENCY, async () => { await callUpstream(); if (++done === JOBS) resolveAll(); });
  await Promise.all([producer.ready(), worker.ready()]);
  const started = performance.now();
  await pool(JOBS, CONCURRENCY, async (i) => { await producer.createJob({ n: i }).save(); });
  await all;
  const perSec = JOBS / ((performance.now() - started) / 1000);
  await producer.close();
  await worker.close();
  return { endToEndPerSec: perSec };
})();

// (c) webhook ACK latency at a fixed rate (API-only gateway), next to GET /healthz at the same rate (the HTTP floor of
// this process: load generator and server share one event loop).
async function atRate(send: (i: number) => Promise<number>) {
  const latencies: number[] = [];
  const total = RATE * SECONDS;
  const interval = 1000 / RATE;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  let failures = 0;
  for (let i = 0; i < total; i++) {
    const wait = started + i * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push((async () => {
      const t0 = performance.now();
      if ((await send(i)) !== 200) failures++;
      latencies.push(performance.now() - t0);
    })());
  }
  await Promise.all(inflight);
  const achieved = total / ((performance.now() - started) / 1000);
  latencies.sort((a, b) => a - b);
  return { targetPerSec: RATE, achievedPerSec: round(achieved), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), failures };
}

const { webhook, healthz } = await withGateway(async (_gateway, url) => {
  const healthz = await atRate(async () => {
    const res = await ufetch(`${url}/healthz`, { dispatcher: agent });
    await res.text();
    return res.status;
  });
  const webhook = await atRate(async (i) => {
    const body = JSON.stringify({ id: `evt-${i}` });
    const res = await ufetch(`${url}/v1/webhooks/noop`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', SECRET).update(body).digest('hex') }, body, dispatcher: agent });
    await res.text();
    return res.status;
  });
  return { webhook, healthz };
  // API role: the ACK path alone (record + enqueue + 200); workers run in other processes in production.
}, 'api');

await agent.close();
upstream.close();
await redis.stop();
await postgres.stop();

reportBench('gateway', {
  jobs: JOBS,
  batchSize: BATCH,
  submitConcurrency: CONCURRENCY,
  workerConcurrency: WORKER_CONCURRENCY,
  singleSubmitPerSec: round(single.submitPerSec),
  singleEndToEndPerSec: round(single.endToEndPerSec),
  batchEndToEndPerSec: round(batch.endToEndPerSec),
  bareBeeQueuePerSec: round(bare.endToEndPerSec),
  ratioSingleToBare: round(single.endToEndPerSec / bare.endToEndPerSec, 3),
  ratioBatchToBare: round(batch.endToEndPerSec / bare.endToEndPerSec, 3),
  webhookAck: webhook,
  healthzAtSameRate: healthz,
});
process.exit(0);
