// Load generator for bench/gateway.ts, run in its own process so it never shares an event loop with the
// gateway it measures. Reads one JSON task from argv[2], prints "ready", waits for "go" on stdin, runs,
// then prints one JSON line of figures.
//   closed loop:  {mode:'submit'|'batch'|'bee', ...}: `concurrency` senders, each sending the next request when
//                 its previous one answered (throughput);
//   open loop:    {mode:'rate', ...}: request i is due at start + i/rate whatever happened before; latency is
//                 measured from that scheduled time, so queueing anywhere (client pool, server, kernel) shows up
//                 in the figures instead of silently slowing the sender (no coordinated omission).
import { createHmac } from 'node:crypto';
import { createInterface } from 'node:readline';
import BeeQueue from 'bee-queue';
import { Pool } from 'undici';

type Task =
  | { mode: 'submit'; url: string; key: string; total: number; concurrency: number }
  | { mode: 'batch'; url: string; key: string; total: number; batch: number; concurrency: number }
  | { mode: 'bee'; redis: Record<string, unknown>; prefix: string; queue: string; total: number; concurrency: number }
  | {
      mode: 'rate';
      url: string;
      target: 'healthz' | 'webhook';
      secret?: string;
      rate: number;
      seconds: number;
      connections: number;
    };

const task = JSON.parse(process.argv[2]!) as Task;

async function closedLoop(total: number, concurrency: number, send: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await send(next++);
    }),
  );
  return performance.now() - started;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 100) / 100;

async function run(): Promise<Record<string, unknown>> {
  if (task.mode === 'bee') {
    const producer = new BeeQueue(task.queue, {
      redis: task.redis as never,
      prefix: task.prefix,
      isWorker: false,
      getEvents: false,
      sendEvents: false,
    });
    await producer.ready();
    await go();
    const ms = await closedLoop(task.total, task.concurrency, async (i) => {
      await producer.createJob({ n: i }).save();
    });
    await producer.close();
    return { sent: task.total, sendMs: round(ms), sendPerSec: round(task.total / (ms / 1000)) };
  }
  const origin = new URL(task.url).origin;
  const pool = new Pool(origin, {
    connections: task.mode === 'rate' ? task.connections : task.concurrency,
    keepAliveTimeout: 30_000,
  });
  const headers = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  if (task.mode === 'submit' || task.mode === 'batch') {
    await pool.request({ path: '/healthz', method: 'GET' }).then((r) => r.body.dump());
    await go();
    const requests = task.mode === 'submit' ? task.total : Math.ceil(task.total / task.batch);
    const latencies: number[] = [];
    const ms = await closedLoop(requests, task.concurrency, async (i) => {
      const t0 = performance.now();
      const body =
        task.mode === 'submit'
          ? JSON.stringify({ n: i })
          : JSON.stringify({
              jobs: Array.from({ length: task.batch }, (_, j) => ({
                instance: 'noop',
                operation: 'call',
                input: { n: i * task.batch + j },
              })),
            });
      const res = await pool.request({
        path: task.mode === 'submit' ? '/v1/noop/call' : '/v1/jobs/batch',
        method: 'POST',
        headers: headers(task.key),
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 202) throw new Error(`${task.mode} answered ${res.statusCode}: ${text}`);
      latencies.push(performance.now() - t0);
    });
    await pool.close();
    latencies.sort((a, b) => a - b);
    return {
      requests,
      sendMs: round(ms),
      submitPerSec: round((task.mode === 'submit' ? task.total : requests * task.batch) / (ms / 1000)),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
    };
  }
  // Open loop at a fixed rate.
  const total = Math.round(task.rate * task.seconds);
  const interval = 1000 / task.rate;
  const bodies = Array.from({ length: total }, (_, i) => JSON.stringify({ id: `evt-${process.pid}-${i}` }));
  const signatures = bodies.map((b) =>
    createHmac('sha256', task.secret ?? '')
      .update(b)
      .digest('hex'),
  );
  // Warm every connection, and the path itself (JIT, the server's database pool and queue connections), first:
  // start-up costs are not what this measures.
  await Promise.all(
    Array.from({ length: task.connections }, () =>
      pool.request({ path: '/healthz', method: 'GET' }).then((r) => r.body.dump()),
    ),
  );
  const warm = (i: number) => {
    const body = JSON.stringify({ id: `warm-${process.pid}-${i}` });
    return task.target === 'healthz'
      ? pool.request({ path: '/healthz', method: 'GET' })
      : pool.request({
          path: '/v1/webhooks/noop',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-signature': createHmac('sha256', task.secret ?? '')
              .update(body)
              .digest('hex'),
          },
          body,
        });
  };
  for (let round = 0; round < 60; round++)
    await Promise.all(
      Array.from({ length: task.connections }, (_, i) => warm(round * task.connections + i).then((r) => r.body.dump())),
    );
  await go();
  const latencies = new Array<number>(total);
  let failures = 0;
  let sent = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  let maxLag = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        const i = sent++;
        const scheduled = started + i * interval;
        maxLag = Math.max(maxLag, now - scheduled);
        const request =
          task.target === 'healthz'
            ? pool.request({ path: '/healthz', method: 'GET' })
            : pool.request({
                path: '/v1/webhooks/noop',
                method: 'POST',
                headers: { 'content-type': 'application/json', 'x-signature': signatures[i]! },
                body: bodies[i]!,
              });
        inflight.push(
          request.then(
            async (res) => {
              await res.body.dump();
              if (res.statusCode !== 200) failures++;
              latencies[i] = performance.now() - scheduled;
            },
            () => {
              failures++;
              latencies[i] = performance.now() - scheduled;
            },
          ),
        );
      }
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(inflight);
  const elapsed = performance.now() - started;
  await pool.close();
  const sorted = latencies.slice().sort((a, b) => a - b);
  return {
    targetPerSec: task.rate,
    achievedPerSec: round(total / (elapsed / 1000)),
    requests: total,
    failures,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
    // How late the generator itself sent its latest request (its own lag is inside the latencies above).
    senderMaxLagMs: round(maxLag),
  };
}

function go(): Promise<void> {
  process.stdout.write('ready\n');
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', () => {
      lines.close();
      resolve();
    });
  });
}

const figures = await run();
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
