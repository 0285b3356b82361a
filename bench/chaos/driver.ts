// The chaos driver: an API process and N worker processes on real PostgreSQL and Redis (testkit), the fake upstream
// of upstream.ts, steady submits with Idempotency-Keys, and a schedule of faults. It checks the outcome through the
// public API and the upstream's ledger, and returns the figures (see ChaosResult).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ApiKeyStore, migrate, openSql } from '@relaykit/gateway';
import {
  createDatabase,
  freePort,
  spawnTsxWorker,
  startPostgres,
  startRedis,
  type PostgresServer,
  type RedisServer,
  type TsxWorker,
} from '@relaykit/testkit';
import { startChaosUpstream, type ChaosUpstream } from './upstream.js';

const NODE = fileURLToPath(new URL('./node.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One fault of the schedule, at `at` ms after the start. */
export type Fault =
  | { at: number; kind: 'worker-kill' }
  | { at: number; kind: 'worker-freeze'; ms: number }
  | { at: number; kind: 'redis-restart' }
  | { at: number; kind: 'redis-down'; ms: number; startWorkerAfterMs?: number; restartApi?: boolean }
  | { at: number; kind: 'postgres-restart'; ms: number }
  | { at: number; kind: 'upstream-503' | 'upstream-429'; ms: number; share: number }
  | { at: number; kind: 'upstream-latency'; ms: number; latencyMs: number }
  | { at: number; kind: 'api-term' | 'api-kill' }
  | { at: number; kind: 'backlog-takeover'; backlog: number };

export interface ChaosOptions {
  profile: string;
  workers: number;
  /** Submits per second. */
  rate: number;
  /** How long submits go on. */
  submitMs: number;
  leaseMs: number;
  concurrency: number;
  faults: Fault[];
  /** How long every upstream call takes outside storms (default 50 ms). */
  upstreamLatencyMs?: number;
  /** Longest wait for every accepted job to be final once the schedule is over. */
  drainTimeoutMs: number;
  /** Admin URL of a running PostgreSQL; without it (or with a postgres-restart fault) the run starts its own. */
  postgresUrl?: string;
  log?: (line: string) => void;
}

export interface ChaosResult extends Record<string, unknown> {
  profile: string;
  submitted: number;
  accepted: number;
  /** Submits never accepted, by final answer (`gave up`: no answer below 500 within two minutes). */
  notAccepted: Record<string, number>;
  succeeded: number;
  dead: number;
  failed: number;
  /** dead and failed jobs without an error code (there must be none). */
  withoutReason: number;
  lost: number;
  wrong: number;
  replays: number;
  /** Replays answered with another job than the first answer (there must be none). */
  replayMismatches: number;
  /** Replays without an answer below 500 within two minutes (the API down or answering 503 all along). */
  replaysUnanswered: number;
  duplicateWrites: number;
  /** 5xx answers by status and detail; those during a Redis outage (until the API is ready again) apart. */
  http5xx: {
    total: number;
    duringRedisOutage: number;
    byStatus: Record<string, number>;
    duringRedisOutageByStatus: Record<string, number>;
  };
  connectionErrors: number;
  /** Answers the client waited on and retried: 429, and 409 IDEMPOTENCY_IN_FLIGHT after an API process died. */
  waits: number;
  /** Per Redis return: ms until the API's /readyz said ready again. */
  apiReadyAfterRedisMs: number[];
  /** Per Redis return: ms until the API was ready and every process' queue answered again. */
  allReadyAfterRedisMs: number[];
  /** Per Redis return: the process whose queue answered last (`api` or a worker's id), to tell a slow one apart. */
  lastReadyAfterRedis: Array<{ process: string; ms: number }>;
  /** Per worker death: ms until every job it held had been taken over. */
  takeoverMs: Array<{ fault: string; backlog: number; ms: number | null; held: number }>;
  /** Per fault: ms from its end until every job accepted before then was final. */
  drainMs: Array<{ fault: string; ms: number | null }>;
  upstreamRefused: { '503': number; '429': number };
  durationS: number;
}

interface Proc {
  worker: TsxWorker;
  id: string;
  /** Whether its queue answered at its last ping. */
  queueUp: boolean;
}

/** Runs one chaos schedule and returns its figures. Every server and process it started is stopped at the end. */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => undefined);
  const started = Date.now();
  const needsOwnPostgres = !o.postgresUrl || o.faults.some((f) => f.kind === 'postgres-restart');
  let postgres: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  let upstream: ChaosUpstream | undefined;
  const procs: { api?: Proc; workers: Proc[]; all: TsxWorker[] } = { workers: [], all: [] };
  let monitor: pg.Pool | undefined;
  try {
    postgres = needsOwnPostgres ? await startPostgres() : undefined;
    const databaseUrl = await createDatabase(postgres?.url ?? o.postgresUrl!);
    redis = await startRedis();
    upstream = await startChaosUpstream();
    // Every upstream call takes a little while, so workers have jobs in hand when they die.
    upstream.storm({ kind: 'latency', ms: o.upstreamLatencyMs ?? 50, until: Number.POSITIVE_INFINITY });
    const env = {
      redisUrl: redis.url,
      databaseUrl,
      upstreamUrl: upstream.url,
      prefix: `chaos-${randomUUID().slice(0, 8)}`,
      leaseMs: o.leaseMs,
      port: await freePort(),
      concurrency: o.concurrency,
    };
    const sql = await openSql({ url: databaseUrl });
    await migrate(sql);
    const apiKey = (await new ApiKeyStore(sql).create({ name: 'chaos', environment: 'production', scopes: ['*'] }))
      .secret;
    await sql.close();
    monitor = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    monitor.on('error', () => undefined);
    const base = `http://127.0.0.1:${env.port}`;

    const spawnNode = async (role: 'api' | 'worker', wait = true): Promise<Proc> => {
      const worker = spawnTsxWorker({
        script: NODE,
        name: role,
        env: { ROLE: role, CHAOS_ENV: JSON.stringify(env) },
        timeoutMs: 6 * 3600_000,
      });
      procs.all.push(worker);
      worker.exited.then((exit) => {
        if (!exit.killed) log(`${role} exited unexpectedly: ${JSON.stringify(exit)} ${worker.stderr.slice(-2000)}`);
      });
      const proc: Proc = { worker, id: '', queueUp: false };
      worker.onLine((line) => {
        if (line === 'queue up') proc.queueUp = true;
        else if (line === 'queue down') proc.queueUp = false;
      });
      const ready = worker.waitForLine(/^ready /).then((line) => {
        proc.id = line.slice('ready '.length);
      });
      if (wait) await ready;
      return proc;
    };
    procs.api = await spawnNode('api');
    procs.workers = await Promise.all(Array.from({ length: o.workers }, () => spawnNode('worker')));
    log(`started api + ${o.workers} workers`);
    // The schedule counts from here: server and process start-up is not part of it.
    const t0 = Date.now();

    // --- the client: steady submits, each retried with its Idempotency-Key until answered ---
    const accepted = new Map<number, string>();
    const rejected: number[] = [];
    const http5xx = { total: 0, duringRedisOutage: 0, byStatus: {} as Record<string, number> };
    const outage5xx: Record<string, number> = {};
    let connectionErrors = 0;
    let inFlightWaits = 0;
    const notAccepted: Record<string, number> = {};
    let redisDown = false;
    let replays = 0;
    let replayMismatches = 0;
    let replaysUnanswered = 0;
    const runId = randomUUID().slice(0, 8);
    const post = async (path: string, body: unknown, idempotencyKey: string) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, res };
    };
    const count5xx = (status: string, outage: boolean) => {
      http5xx.total++;
      http5xx.byStatus[status] = (http5xx.byStatus[status] ?? 0) + 1;
      if (outage || redisDown) {
        http5xx.duringRedisOutage++;
        outage5xx[status] = (outage5xx[status] ?? 0) + 1;
      }
    };
    /** Sends until answered (never gives up on a connection error or a 5xx within `forMs`); returns the answer. */
    const send = async (path: string, body: unknown, idempotencyKey: string, forMs = 120_000) => {
      const until = Date.now() + forMs;
      for (;;) {
        const outage = redisDown;
        try {
          const answer = await post(path, body, idempotencyKey);
          // 429, and 409 IDEMPOTENCY_IN_FLIGHT (the first request with this key died with an API process: its lock
          // lapses after a minute) are answers to wait on, as a client would.
          const wait = answer.status === 429 || (answer.status === 409 && answer.body.code === 'IDEMPOTENCY_IN_FLIGHT');
          if (answer.status < 500 && !wait) return answer;
          if (wait) inFlightWaits++;
          if (answer.status >= 500)
            count5xx(`${answer.status} ${String(answer.body.detail ?? answer.body.code ?? '').slice(0, 60)}`, outage);
          const retryAfter = Number(answer.res.headers.get('retry-after') ?? 0.2);
          await sleep(Math.min(5000, retryAfter * 1000));
        } catch {
          connectionErrors++;
          await sleep(200);
        }
        if (Date.now() > until) return undefined;
      }
    };
    const submitOne = async (i: number) => {
      const key = `${runId}-${i}`;
      const body = { key: `rec-${i}`, value: i };
      const answer = await send('/v1/org/upsert', body, key);
      if (!answer || (answer.status !== 202 && answer.status !== 200)) {
        rejected.push(i);
        const why = answer ? `${answer.status} ${String(answer.body.code ?? '')}`.trim() : 'gave up';
        notAccepted[why] = (notAccepted[why] ?? 0) + 1;
        return;
      }
      const id = answer.body.id as string;
      accepted.set(i, id);
      if (i % 10 === 0) {
        replays++;
        const again = await send('/v1/org/upsert', body, key);
        if (!again) replaysUnanswered++;
        else if (again.body.id !== id) replayMismatches++;
      }
    };
    let submitted = 0;
    const inFlight = new Set<Promise<void>>();
    const submitting = (async () => {
      const total = Math.round((o.rate * o.submitMs) / 1000);
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / o.rate;
        if (due > Date.now()) await sleep(due - Date.now());
        submitted++;
        const p = submitOne(i).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await Promise.all(inFlight);
    })();

    // --- monitors ---
    const openBefore = async (at: number) => {
      const { rows } = await monitor!.query<{ n: string }>(
        `SELECT count(*) AS n FROM relaykit_jobs WHERE created_at <= to_timestamp($1 / 1000.0) AND status NOT IN ('succeeded','failed','dead')`,
        [at],
      );
      return Number(rows[0]!.n);
    };
    const drainMs: ChaosResult['drainMs'] = [];
    const monitors: Array<Promise<void>> = [];
    const measureDrain = (fault: string) => {
      const at = Date.now();
      monitors.push(
        (async () => {
          const until = at + o.drainTimeoutMs;
          while (Date.now() < until) {
            const open = await openBefore(at).catch(() => -1);
            if (open === 0) {
              drainMs.push({ fault, ms: Date.now() - at });
              return;
            }
            await sleep(200);
          }
          drainMs.push({ fault, ms: null });
        })(),
      );
    };
    const apiReadyAfterRedisMs: number[] = [];
    const allReadyAfterRedisMs: number[] = [];
    const lastReadyAfterRedis: ChaosResult['lastReadyAfterRedis'] = [];
    /** From Redis' return: until the API's /readyz says ready, and until every process' queue answers. */
    const measureApiReady = async () => {
      const back = Date.now();
      let api: number | undefined;
      const upAt = new Map<Proc, number>();
      for (;;) {
        for (const p of [procs.api!, ...procs.workers]) if (p.queueUp && !upAt.has(p)) upAt.set(p, Date.now() - back);
        if (api === undefined) {
          const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
            (r) => r.status === 200,
            () => false,
          );
          if (ok) {
            api = Date.now() - back;
            apiReadyAfterRedisMs.push(api);
          }
        }
        if (api !== undefined && [procs.api!, ...procs.workers].every((p) => p.queueUp)) {
          allReadyAfterRedisMs.push(Date.now() - back);
          const [last, ms] = [...upAt].reduce((a, b) => (b[1] > a[1] ? b : a));
          lastReadyAfterRedis.push({ process: last === procs.api ? 'api' : last.id, ms });
          return;
        }
        if (Date.now() - back > 120_000) {
          if (api === undefined) apiReadyAfterRedisMs.push(-1);
          allReadyAfterRedisMs.push(-1);
          return;
        }
        await sleep(50);
      }
    };
    const takeoverMs: ChaosResult['takeoverMs'] = [];
    const killWorker = async (fault: string, backlog: number) => {
      // Killed with jobs in hand (waits a little for one, at low rates a worker is often idle).
      await waitForActive(monitor!, procs.workers[0]!.id);
      const victim = procs.workers.shift()!;
      victim.worker.kill('SIGKILL');
      await victim.worker.exited;
      const diedAt = Date.now();
      const { rows } = await monitor!.query<{ id: string }>(
        `SELECT id FROM relaykit_jobs WHERE status = 'active' AND worker = $1`,
        [victim.id],
      );
      monitors.push(
        (async () => {
          const held = rows.map((r) => r.id);
          for (;;) {
            if (held.length === 0) {
              takeoverMs.push({ fault, backlog, held: 0, ms: 0 });
              return;
            }
            const { rows: still } = await monitor!
              .query<{ n: string }>(
                `SELECT count(*) AS n FROM relaykit_jobs WHERE id = ANY($1) AND worker = $2 AND status = 'active'`,
                [held, victim.id],
              )
              .catch(() => ({ rows: [{ n: '1' }] }));
            if (Number(still[0]!.n) === 0) {
              takeoverMs.push({ fault, backlog, held: held.length, ms: Date.now() - diedAt });
              return;
            }
            if (Date.now() - diedAt > 120_000) {
              takeoverMs.push({ fault, backlog, held: held.length, ms: null });
              return;
            }
            await sleep(50);
          }
        })(),
      );
      // A replacement, as an orchestrator would start; the survivors take the dead one's jobs over meanwhile.
      procs.workers.push(await spawnNode('worker'));
    };

    // --- the fault schedule ---
    const faults = [...o.faults].sort((a, b) => a.at - b.at);
    for (const fault of faults) {
      const due = t0 + fault.at;
      if (due > Date.now()) await sleep(due - Date.now());
      log(`fault ${fault.kind} at ${Math.round((Date.now() - t0) / 1000)} s`);
      switch (fault.kind) {
        case 'worker-kill':
          await killWorker('worker-kill', 0);
          measureDrain(fault.kind);
          break;
        case 'worker-freeze': {
          const victim = procs.workers[0]!;
          victim.worker.child.kill('SIGSTOP');
          await sleep(fault.ms);
          victim.worker.child.kill('SIGCONT');
          measureDrain(fault.kind);
          break;
        }
        case 'redis-restart':
          redisDown = true;
          await redis.kill();
          await redis.start();
          redisDown = false;
          await measureApiReady();
          measureDrain(fault.kind);
          break;
        case 'redis-down': {
          redisDown = true;
          await redis.kill();
          const extra: Array<Promise<unknown>> = [];
          if (fault.startWorkerAfterMs !== undefined) {
            await sleep(fault.startWorkerAfterMs);
            // A process started while Redis is down must recover once it is back.
            extra.push(spawnNode('worker').then((p) => procs.workers.push(p)));
          }
          if (fault.restartApi) {
            procs.api!.worker.kill('SIGKILL');
            await procs.api!.worker.exited;
            extra.push(spawnNode('api').then((p) => (procs.api = p)));
          }
          await sleep(Math.max(0, fault.ms - (fault.startWorkerAfterMs ?? 0)));
          await Promise.all(extra);
          await redis.start();
          // Counted as outage until the API is ready again.
          await measureApiReady();
          redisDown = false;
          measureDrain(fault.kind);
          break;
        }
        case 'postgres-restart':
          await postgres!.restart(fault.ms);
          measureDrain(fault.kind);
          break;
        case 'upstream-503':
        case 'upstream-429':
          upstream.storm(
            fault.kind === 'upstream-503'
              ? { kind: '503', share: fault.share, until: Date.now() + fault.ms }
              : { kind: '429', share: fault.share, retryAfterSeconds: 1, until: Date.now() + fault.ms },
          );
          await sleep(fault.ms);
          measureDrain(fault.kind);
          break;
        case 'upstream-latency':
          upstream.storm({ kind: 'latency', ms: fault.latencyMs, until: Date.now() + fault.ms });
          await sleep(fault.ms);
          measureDrain(fault.kind);
          break;
        case 'api-term':
        case 'api-kill': {
          const api = procs.api!;
          api.worker.kill(fault.kind === 'api-term' ? 'SIGTERM' : 'SIGKILL');
          await api.worker.exited;
          procs.api = await spawnNode('api');
          measureDrain(fault.kind);
          break;
        }
        case 'backlog-takeover': {
          // A burst of `backlog` jobs in batches, then a worker dies with jobs in hand.
          const batches = Math.ceil(fault.backlog / 500);
          for (let b = 0; b < batches; b++) {
            const jobs = Array.from({ length: Math.min(500, fault.backlog - b * 500) }, (_, k) => {
              const i = 10_000_000 + b * 500 + k;
              return { instance: 'org', operation: 'upsert', input: { key: `rec-${i}`, value: i } };
            });
            const answer = await send('/v1/jobs/batch', { jobs }, `${runId}-burst-${b}`);
            if (answer?.status === 202) {
              const ids = (answer.body.jobs as Array<{ id: string }>).map((j) => j.id);
              for (const [k, id] of ids.entries()) accepted.set(10_000_000 + b * 500 + k, id);
              submitted += ids.length;
            }
          }
          await killWorker('backlog-takeover', fault.backlog);
          measureDrain(fault.kind);
          break;
        }
      }
    }
    await submitting;
    log(`submitted ${submitted}, accepted ${accepted.size}; waiting for the drain`);
    const drainUntil = Date.now() + o.drainTimeoutMs;
    while (Date.now() < drainUntil && (await openBefore(Date.now()).catch(() => -1)) !== 0) await sleep(250);
    await Promise.all(monitors);

    // --- the checks, through the public API and the upstream's ledger ---
    const statuses = new Map<number, { status: string; code?: string }>();
    const entries = [...accepted];
    for (let k = 0; k < entries.length; k += 32) {
      await Promise.all(
        entries.slice(k, k + 32).map(async ([i, id]) => {
          for (let tries = 0; tries < 20; tries++) {
            try {
              const res = await fetch(`${base}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${apiKey}` } });
              if (res.status === 404) return statuses.set(i, { status: 'missing' });
              if (res.ok) {
                const job = (await res.json()) as { status: string; error?: { code?: string } };
                return statuses.set(i, { status: job.status, ...(job.error?.code ? { code: job.error.code } : {}) });
              }
            } catch {
              /* retry */
            }
            await sleep(250);
          }
          statuses.set(i, { status: 'unknown' });
        }),
      );
    }
    let succeeded = 0;
    let dead = 0;
    let failed = 0;
    let withoutReason = 0;
    let lost = 0;
    let wrong = 0;
    for (const [i, s] of statuses) {
      if (s.status === 'succeeded') {
        succeeded++;
        if (upstream.records.get(`rec-${i}`) !== i) wrong++;
      } else if (s.status === 'dead' || s.status === 'failed') {
        if (s.status === 'dead') dead++;
        else failed++;
        if (!s.code) withoutReason++;
      } else lost++;
    }
    const perKey = new Map<string, number>();
    for (const w of upstream.ledger) perKey.set(w.key, (perKey.get(w.key) ?? 0) + 1);
    const duplicateWrites = [...perKey.values()].reduce((sum, n) => sum + n - 1, 0);
    return {
      profile: o.profile,
      submitted,
      accepted: accepted.size,
      notAccepted,
      succeeded,
      dead,
      failed,
      withoutReason,
      lost,
      wrong,
      replays,
      replayMismatches,
      replaysUnanswered,
      duplicateWrites,
      http5xx: { ...http5xx, duringRedisOutageByStatus: outage5xx },
      connectionErrors,
      waits: inFlightWaits,
      apiReadyAfterRedisMs,
      allReadyAfterRedisMs,
      lastReadyAfterRedis,
      takeoverMs,
      drainMs,
      upstreamRefused: { ...upstream.refused },
      durationS: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    for (const w of procs.all) {
      w.child.kill('SIGCONT');
      w.kill('SIGKILL');
    }
    await Promise.all(procs.all.map((w) => w.exited));
    await monitor?.end().catch(() => undefined);
    await upstream?.close();
    await redis?.stop();
    await postgres?.stop();
  }
}

async function waitForActive(monitor: pg.Pool, workerId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await monitor.query<{ n: string }>(
      `SELECT count(*) AS n FROM relaykit_jobs WHERE status = 'active' AND worker = $1`,
      [workerId],
    );
    if (Number(rows[0]!.n) > 0) return;
    await sleep(50);
  }
}

/** RSS of a process in bytes (Linux /proc), or undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
