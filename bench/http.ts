// relaykit's HttpClient (policies on: retry, circuit breaker, timeout, bulkhead) against a bare
// undici Pool: the same requests to the same local server, in alternating rounds, medians compared.
//   npm run bench -- http [--requests 20000] [--concurrency 32] [--rounds 20]
// The machine is shared and noisy, so rounds are paired: each relaykit round runs right next to an
// undici round, and `ratio` is the median of the per-round ratios (the medians of each side alone are
// reported too, with their own ratio, but load swings between rounds make that one much noisier).
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';
import { HttpClient } from '@relaykit/sdk-core/http';
import { createResiliencePolicy } from '@relaykit/sdk-core/resilience';
import { fileURLToPath } from 'node:url';
import { numberArg, reportBench, round } from './lib.js';

const requests = numberArg('requests', 20_000);
const concurrency = numberArg('concurrency', 32);
const rounds = Math.max(2, numberArg('rounds', 20));
const perRound = Math.ceil(requests / rounds);

// The server runs in a worker thread so it does not share the clients' event loop.
const serverCode = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = JSON.stringify({ id: '0015g00000XyZab', name: 'Acme', updated: '2026-11-22T04:00:00Z', ok: true });
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;
const worker = new Worker(serverCode, { eval: true });
const port = await new Promise<number>((resolve) => worker.once('message', resolve));
const origin = `http://127.0.0.1:${port}`;

const relaykit = new HttpClient({
  baseUrl: origin,
  connections: concurrency,
  policy: createResiliencePolicy({
    name: 'bench',
    retry: { maxAttempts: 3, initialDelayMs: 50 },
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 5_000 },
    timeoutMs: 10_000,
    bulkhead: { maxInFlight: concurrency * 2, maxQueued: 1_000 },
  }),
});
// The same client with tracing switched off: against it, the default client's cost of the OpenTelemetry path when
// `@opentelemetry/api` is installed (it is, here) but no SDK is registered — the state of most deployments.
const untraced = new HttpClient({
  baseUrl: origin,
  connections: concurrency,
  tracer: false,
  policy: createResiliencePolicy({
    name: 'bench-untraced',
    retry: { maxAttempts: 3, initialDelayMs: 50 },
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 5_000 },
    timeoutMs: 10_000,
    bulkhead: { maxInFlight: concurrency * 2, maxQueued: 1_000 },
  }),
});
const pool = new Pool(origin, { connections: concurrency, headersTimeout: 30_000, bodyTimeout: 30_000 });

async function viaRelaykit(i: number): Promise<void> {
  const res = await relaykit.request<{ ok: boolean }>({
    method: 'GET',
    path: `/accounts/${i}`,
    route: '/accounts/:id',
  });
  if (!res.body.ok) throw new Error('bad body');
}

async function viaUntraced(i: number): Promise<void> {
  const res = await untraced.request<{ ok: boolean }>({
    method: 'GET',
    path: `/accounts/${i}`,
    route: '/accounts/:id',
  });
  if (!res.body.ok) throw new Error('bad body');
}

async function viaUndici(i: number): Promise<void> {
  const res = await pool.request({ method: 'GET', path: `/accounts/${i}`, headers: { accept: 'application/json' } });
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  const body = (await res.body.json()) as { ok: boolean };
  if (!body.ok) throw new Error('bad body');
}

/** Runs `count` requests with `concurrency` workers; returns requests per second. */
async function run(send: (i: number) => Promise<void>, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await send(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// Warm up both paths (JIT, connections, the optional OpenTelemetry import).
await run(viaRelaykit, Math.min(2_000, perRound));
await run(viaUndici, Math.min(2_000, perRound));
await run(viaUntraced, Math.min(2_000, perRound));

const relaykitRps: number[] = [];
const undiciRps: number[] = [];
const untracedRps: number[] = [];
for (let r = 0; r < rounds; r++) {
  // The untraced client runs between the other two, its place alternating with theirs.
  if (r % 2 === 0) untracedRps.push(await run(viaUntraced, perRound));
  // Alternate who goes first so drift in machine load hits both sides alike.
  if (r % 2 === 0) {
    relaykitRps.push(await run(viaRelaykit, perRound));
    undiciRps.push(await run(viaUndici, perRound));
  } else {
    undiciRps.push(await run(viaUndici, perRound));
    relaykitRps.push(await run(viaRelaykit, perRound));
  }
  if (r % 2 === 1) untracedRps.push(await run(viaUntraced, perRound));
}

await relaykit.close();
await untraced.close();
await pool.close();
worker.postMessage('stop');
await new Promise((resolve) => worker.once('exit', resolve));

// Cold import cost in fresh processes (the built packages, as users load them): the transport alone through its
// subpath against the whole of sdk-core, with undici itself as the floor. Medians of alternating runs.
const importRuns = Math.max(3, numberArg('import-runs', 7));
const probe = fileURLToPath(new URL('./import-probe.mjs', import.meta.url));
interface ImportProbe {
  ms: number;
  modules: number;
  pg: boolean;
  ioredis: boolean;
}
const importSpecs = { httpOnly: '@relaykit/sdk-core/http', whole: '@relaykit/sdk-core', undici: 'undici' } as const;
const probes: Record<keyof typeof importSpecs, ImportProbe[]> = { httpOnly: [], whole: [], undici: [] };
for (let r = 0; r < importRuns; r++) {
  for (const [name, spec] of Object.entries(importSpecs) as Array<[keyof typeof importSpecs, string]>) {
    probes[name].push(JSON.parse(execFileSync(process.execPath, [probe, spec], { encoding: 'utf8' })) as ImportProbe);
  }
}
const importFigures = (runs: ImportProbe[]) => ({
  ms: round(median(runs.map((p) => p.ms)), 1),
  modules: runs[0]!.modules,
  loadsPg: runs[0]!.pg,
  loadsIoredis: runs[0]!.ioredis,
});
const importCost = {
  httpClientOnly: importFigures(probes.httpOnly),
  wholeSdkCore: importFigures(probes.whole),
  undiciAlone: importFigures(probes.undici),
};
console.log(`cold import (median of ${importRuns}): ${JSON.stringify(importCost)}`);

const relaykit_rps = median(relaykitRps);
const undici_rps = median(undiciRps);
const ratios = relaykitRps.map((v, i) => v / undiciRps[i]!);
console.log(
  `rounds (relaykit/undici rps): ${relaykitRps.map((v, i) => `${Math.round(v)}/${Math.round(undiciRps[i]!)}`).join(' ')}`,
);
reportBench('http', {
  requests: perRound * rounds,
  concurrency,
  rounds,
  relaykit_rps: round(relaykit_rps, 0),
  undici_rps: round(undici_rps, 0),
  ratio: round(median(ratios), 3),
  ratio_of_medians: round(relaykit_rps / undici_rps, 3),
  // Default client (OpenTelemetry API installed, no SDK registered) over `tracer: false`, per round: 1 = no cost.
  no_tracer_ratio: round(median(relaykitRps.map((v, i) => v / untracedRps[i]!)), 3),
  import: importCost,
});
