// The soak profile: many jobs through the API and workers on PostgreSQL + Redis at a steady rate, the RSS of every
// gateway process sampled. After the warm-up no process should grow by more than 10 % and throughput should stay
// within 10 % of its first minute; the job tables' growth is reported.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ApiKeyStore, migrate, openSql } from '@relaykit/gateway';
import { freePort, spawnTsxWorker, startPostgres, startRedis, type TsxWorker } from '@relaykit/testkit';
import { rssOf } from './driver.js';
import { startChaosUpstream } from './upstream.js';

const NODE = new URL('./node.ts', import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SoakOptions {
  jobs: number;
  /** Jobs per second, submitted in batches of `batch`. */
  rate: number;
  batch: number;
  workers: number;
  concurrency: number;
  warmupMs: number;
  /** Length of one throughput window (default one minute). */
  windowMs: number;
  sampleMs: number;
  log?: (line: string) => void;
}

export async function runSoak(o: SoakOptions) {
  const log = o.log ?? (() => undefined);
  const postgres = await startPostgres();
  const redis = await startRedis();
  const upstream = await startChaosUpstream({ keepLedger: false });
  const procs: Array<{ name: string; w: TsxWorker }> = [];
  let monitor: pg.Pool | undefined;
  try {
    const databaseUrl = await postgres.createDatabase();
    monitor = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    const env = {
      redisUrl: redis.url,
      databaseUrl,
      upstreamUrl: upstream.url,
      prefix: `soak-${randomUUID().slice(0, 8)}`,
      leaseMs: 5000,
      port: await freePort(),
      concurrency: o.concurrency,
    };
    const sql = await openSql({ url: databaseUrl });
    await migrate(sql);
    const apiKey = (await new ApiKeyStore(sql).create({ name: 'soak', environment: 'production', scopes: ['*'] }))
      .secret;
    const tableBytes = async () => {
      const { rows } = await sql.query<{ bytes: string }>(
        `SELECT sum(pg_total_relation_size(c))::text AS bytes FROM unnest(ARRAY['relaykit_jobs','relaykit_job_attempts','relaykit_idempotency','relaykit_audit']::regclass[]) AS c`,
      );
      return Number(rows[0]!.bytes);
    };
    const bytesBefore = await tableBytes();
    const spawn = async (role: 'api' | 'worker', name: string) => {
      const w = spawnTsxWorker({
        script: NODE,
        name,
        env: { ROLE: role, CHAOS_ENV: JSON.stringify(env) },
        timeoutMs: 48 * 3600_000,
      });
      procs.push({ name, w });
      await w.waitForLine(/^ready /);
    };
    await spawn('api', 'api');
    for (let i = 0; i < o.workers; i++) await spawn('worker', `worker${i}`);
    const base = `http://127.0.0.1:${env.port}`;

    const samples: Array<{ t: number; writes: number; rss: Record<string, number | undefined> }> = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      samples.push({
        t: Date.now() - started,
        writes: upstream.writes,
        rss: Object.fromEntries(procs.map((p) => [p.name, p.w.child.pid ? rssOf(p.w.child.pid) : undefined])),
      });
    }, o.sampleMs);
    let accepted = 0;
    let errors = 0;
    const batches = Math.ceil(o.jobs / o.batch);
    const inFlight = new Set<Promise<void>>();
    for (let b = 0; b < batches; b++) {
      const due = started + (b * o.batch * 1000) / o.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      while (inFlight.size >= 32) await Promise.race(inFlight);
      const jobs = Array.from({ length: Math.min(o.batch, o.jobs - b * o.batch) }, (_, k) => {
        const i = b * o.batch + k;
        return { instance: 'org', operation: 'upsert', input: { key: `rec-${i}`, value: i } };
      });
      const p = (async () => {
        for (let tries = 0; tries < 10; tries++) {
          try {
            const res = await fetch(`${base}/v1/jobs/batch`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${apiKey}`,
                'content-type': 'application/json',
                'idempotency-key': `soak-${b}`,
              },
              body: JSON.stringify({ jobs }),
            });
            await res.text();
            if (res.status === 202 || res.status === 200) {
              accepted += jobs.length;
              return;
            }
          } catch {
            /* retry */
          }
          errors++;
          await sleep(500);
        }
      })().finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (b % 200 === 0)
        log(
          `soak: ${b * o.batch} submitted, ${upstream.writes} written, ${Math.round((Date.now() - started) / 1000)} s`,
        );
    }
    await Promise.all(inFlight);
    const submitEnd = Date.now() - started;
    for (let i = 0; i < 600 && upstream.writes < accepted; i++) await sleep(1000);
    clearInterval(sampler);
    const { rows } = await monitor.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM relaykit_jobs GROUP BY status`,
    );
    const bytesAfter = await tableBytes();
    await sql.close();

    // Figures over the steady part only: after the warm-up, while submits went on.
    const steady = samples.filter((s) => s.t >= o.warmupMs && s.t <= submitEnd);
    const windows: number[] = [];
    for (let from = o.warmupMs; from + o.windowMs <= submitEnd; from += o.windowMs) {
      const a = steady.find((s) => s.t >= from);
      const z = [...steady].reverse().find((s) => s.t <= from + o.windowMs);
      if (a && z && z.t > a.t) windows.push(((z.writes - a.writes) * 1000) / (z.t - a.t));
    }
    const firstWindow = windows[0] ?? 0;
    const drift = windows.length ? Math.max(...windows.map((w) => Math.abs(w / firstWindow - 1))) : null;
    const rssGrowth: Record<
      string,
      { firstMiB: number; lastMiB: number; growthPct: number; perWindowMiB: number[] } | null
    > = {};
    for (const p of procs) {
      const series = steady.map((s) => s.rss[p.name]).filter((v): v is number => v !== undefined);
      const n = Math.max(1, Math.floor(series.length / 5));
      if (series.length < 2) {
        rssGrowth[p.name] = null;
        continue;
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const first = mean(series.slice(0, n));
      const last = mean(series.slice(-n));
      // One figure per window, to tell a leak (steady climb) from a heap settling after the warm-up.
      const perWindowMiB: number[] = [];
      for (let from = o.warmupMs; from < submitEnd; from += o.windowMs) {
        const inWindow = steady
          .filter((s) => s.t >= from && s.t < from + o.windowMs)
          .map((s) => s.rss[p.name])
          .filter((v): v is number => v !== undefined);
        if (inWindow.length) perWindowMiB.push(Math.round(mean(inWindow) / 2 ** 20));
      }
      rssGrowth[p.name] = {
        firstMiB: Math.round(first / 2 ** 20),
        lastMiB: Math.round(last / 2 ** 20),
        growthPct: Math.round((last / first - 1) * 1000) / 10,
        perWindowMiB,
      };
    }
    const statuses = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    return {
      profile: 'soak',
      jobs: o.jobs,
      accepted,
      submitErrors: errors,
      statuses,
      upstreamWrites: upstream.writes,
      rateTarget: o.rate,
      throughputPerWindow: windows.map((w) => Math.round(w)),
      throughputDriftPct: drift === null ? null : Math.round(drift * 1000) / 10,
      rssGrowth,
      maxRssGrowthPct: Math.max(...Object.values(rssGrowth).map((g) => g?.growthPct ?? 0)),
      tableGrowthBytes: bytesAfter - bytesBefore,
      tableBytesPerJob: accepted ? Math.round((bytesAfter - bytesBefore) / accepted) : null,
      warmupS: o.warmupMs / 1000,
      windowS: o.windowMs / 1000,
      durationS: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    for (const p of procs) p.w.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.w.exited));
    await monitor?.end().catch(() => undefined);
    await upstream.close();
    await redis.stop();
    await postgres.stop();
  }
}
