// The soak profile: many jobs through the API and workers on PostgreSQL + Redis at a steady rate, the RSS of every
// gateway process sampled. Once warm no process should grow by more than 10 % and throughput should stay within 10 %
// of its first minute; the job tables' growth is reported.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { ApiKeyStore, migrate, openSql } from '@relaykit/gateway';
import { freePort, spawnTsxWorker, startPostgres, startRedis, type TsxWorker } from '@relaykit/testkit';
import { rssOf } from './driver.js';
import { growthOf, type Point, warmedAt } from './growth.js';
import { startChaosUpstream } from './upstream.js';

interface MemLine {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  heapPhysical: number;
  external: number;
  arrayBuffers: number;
  malloced: number;
  codeSpace: number;
}
type MemSample = MemLine & { t: number };

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
  /** How often each process reports its memory after a full GC (0: not at all). */
  memMs?: number;
  /**
   * Force a full GC at the warm-up's end too, for an exact live-memory comparison with the submits' end. It changes
   * how V8 sizes its heap for the rest of the run (RSS then shows less of V8's sizing than a process left alone).
   */
  gcAtWarmup?: boolean;
  /**
   * Each gateway process' old-space ceiling in MiB (`--max-old-space-size`), as an operator sizes it to a container;
   * 0 or absent leaves V8's default, which lets the heap grow to several times the live memory before it collects.
   */
  heapMb?: number;
  /**
   * Retention on: finished jobs (with their attempts), stored responses and audit entries are deleted this long after
   * they end, so the job tables should stop growing once the first jobs reach that age. Absent: kept (the tables grow
   * by every job).
   */
  retentionMs?: number;
  /** A file: every sample of the run as JSON (RSS, throughput, each process' memory), to study it afterwards. */
  samplesFile?: string;
  /** A directory: heap snapshots of every process at the end of the warm-up and at the end of the submits. */
  snapshotDir?: string;
  log?: (line: string) => void;
}

export async function runSoak(o: SoakOptions) {
  const log = o.log ?? (() => undefined);
  const postgres = await startPostgres();
  const redis = await startRedis();
  const upstream = await startChaosUpstream({ keepLedger: false });
  const procs: Array<{ name: string; w: TsxWorker }> = [];
  const memMs = o.memMs ?? 5000;
  const mem = new Map<string, MemSample[]>();
  const live = new Map<string, MemSample[]>();
  const major = new Map<string, MemSample[]>();
  let started = Date.now();
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
      retentionMs: o.retentionMs,
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
        env: {
          ROLE: role,
          CHAOS_ENV: JSON.stringify(env),
          MEM_MS: String(memMs),
          NODE_OPTIONS: [process.env.NODE_OPTIONS, o.heapMb ? `--max-old-space-size=${o.heapMb}` : '']
            .filter(Boolean)
            .join(' '),
        },
        timeoutMs: 48 * 3600_000,
      });
      procs.push({ name, w });
      const natural: MemSample[] = [];
      const collected: MemSample[] = [];
      const majors: MemSample[] = [];
      mem.set(name, natural);
      live.set(name, collected);
      major.set(name, majors);
      w.onLine((line) => {
        const kind = line.slice(0, line.indexOf(' '));
        const series = kind === 'mem' ? natural : kind === 'live' ? collected : kind === 'major' ? majors : undefined;
        series?.push({ t: Date.now() - started, ...(JSON.parse(line.slice(line.indexOf(' ') + 1)) as MemLine) });
      });
      await w.waitForLine(/^ready /);
    };
    await spawn('api', 'api');
    for (let i = 0; i < o.workers; i++) await spawn('worker', `worker${i}`);
    const base = `http://127.0.0.1:${env.port}`;

    const samples: Array<{ t: number; writes: number; rss: Record<string, number | undefined> }> = [];
    started = Date.now();
    for (const series of [...mem.values(), ...live.values(), ...major.values()]) series.length = 0;
    // Live memory after a forced full collection in every process: at the submits' end (after the last RSS sample the
    // figures use), and with gcAtWarmup at the warm-up's end. No more: forced collections change how V8 sizes its
    // heap, and RSS is meant to show that as it is.
    const collect = async () => {
      const before = procs.map((p) => live.get(p.name)!.length);
      for (const p of procs) p.w.send('gc');
      for (let i = 0; i < 300 && procs.some((p, k) => live.get(p.name)!.length === before[k]); i++) await sleep(100);
    };
    let warmCollect: Promise<void> | undefined;
    const snapshot = async (label: string) => {
      if (!o.snapshotDir) return;
      await Promise.all(
        procs.map(async (p) => {
          const file = join(o.snapshotDir!, `${p.name}-${label}.heapsnapshot`);
          const written = p.w.waitForLine((line) => line === `snapshot-written ${file}`);
          p.w.send(`snapshot ${file}`);
          await written;
        }),
      );
      log(`soak: heap snapshots ${label} written to ${o.snapshotDir}`);
    };
    let warmSnapshot: Promise<void> | undefined;
    const sampler = setInterval(() => {
      samples.push({
        t: Date.now() - started,
        writes: upstream.writes,
        rss: Object.fromEntries(procs.map((p) => [p.name, p.w.child.pid ? rssOf(p.w.child.pid) : undefined])),
      });
      if (!warmSnapshot && Date.now() - started >= o.warmupMs) {
        if (o.gcAtWarmup) warmCollect = collect();
        warmSnapshot = (warmCollect ?? Promise.resolve()).then(() => snapshot('warm'));
      }
    }, o.sampleMs);
    // The job tables' size once a window: with retention on it should level off.
    const tableSizes: Point[] = [];
    let sizing = false;
    const tableSampler = setInterval(() => {
      if (sizing) return;
      sizing = true;
      const t = Date.now() - started;
      void tableBytes()
        .then((v) => tableSizes.push({ t, v }))
        .catch(() => undefined)
        .finally(() => {
          sizing = false;
        });
    }, o.windowMs);
    let accepted = 0;
    let errors = 0;
    const acceptedBatches: number[] = [];
    // Batch b carries jobs b × batch … (b + 1) × batch − 1, each upserting its own record with its index as value.
    const recordsOfBatch = (b: number) =>
      Array.from({ length: Math.min(o.batch, o.jobs - b * o.batch) }, (_, k) => {
        const i = b * o.batch + k;
        return { key: `rec-${i}`, value: i };
      });
    const batches = Math.ceil(o.jobs / o.batch);
    const inFlight = new Set<Promise<void>>();
    for (let b = 0; b < batches; b++) {
      const due = started + (b * o.batch * 1000) / o.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      while (inFlight.size >= 32) await Promise.race(inFlight);
      const jobs = recordsOfBatch(b).map((input) => ({ instance: 'org', operation: 'upsert', input }));
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
              acceptedBatches.push(b);
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
    await warmSnapshot;
    await warmCollect;
    await collect();
    await snapshot('end');
    for (let i = 0; i < 600 && upstream.records.size < accepted; i++) await sleep(1000);
    clearInterval(sampler);
    clearInterval(tableSampler);
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
    const growth = (fromMs: number, points: Point[], pick?: (xs: number[]) => number) =>
      growthOf(points, { fromMs, toMs: submitEnd, windowMs: o.windowMs }, pick);
    const rssGrowth: Record<string, ReturnType<typeof growth>> = {};
    // Live memory: what the V8 heap still holds after a full collection plus memory outside it (Buffers,
    // ArrayBuffers). A leak shows here; RSS growth without it is the heap's sizing (heapTotal) or the allocator keeping
    // pages (native). Through the run: the old generation after each full collection V8 made by itself, the least of
    // each part (objects allocated while it marked count as live, so noise only raises it); exact after a forced one
    // at the submits' end, and at the warm-up's end with gcAtWarmup.
    const liveGrowth: Record<string, { warmMiB?: number; endMiB: number; growthPct?: number } | null> = {};
    const oldGenGrowth: Record<string, ReturnType<typeof growth>> = {};
    const majorGcs: Record<string, number> = {};
    const heapTotalGrowth: Record<string, ReturnType<typeof growth>> = {};
    // RSS less the V8 heap's resident pages and the memory outside it: the allocator's and the runtime's own share.
    const nativeGrowth: Record<string, ReturnType<typeof growth>> = {};
    const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    // Memory is compared from when each process is warm (see warmedAt); throughput from the warm-up.
    const warmAt: Record<string, number> = {};
    for (const p of procs) {
      const from = (warmAt[p.name] = warmedAt(major.get(p.name) ?? [], o.warmupMs));
      rssGrowth[p.name] = growth(
        from,
        samples.flatMap((s) => (s.rss[p.name] === undefined ? [] : [{ t: s.t, v: s.rss[p.name]! }])),
      );
      const m = mem.get(p.name) ?? [];
      const collected = (live.get(p.name) ?? []).filter((s) => s.t >= o.warmupMs);
      const [warm, end] = [collected[0], collected.at(-1)];
      liveGrowth[p.name] = !end
        ? null
        : warm && end !== warm
          ? {
              warmMiB: mib(warm.heapUsed + warm.external),
              endMiB: mib(end.heapUsed + end.external),
              growthPct: Math.round(((end.heapUsed + end.external) / (warm.heapUsed + warm.external) - 1) * 1000) / 10,
            }
          : { endMiB: mib(end.heapUsed + end.external) };
      oldGenGrowth[p.name] = growth(
        from,
        (major.get(p.name) ?? []).map((s) => ({ t: s.t, v: s.heapUsed + s.external })),
        (xs) => Math.min(...xs),
      );
      majorGcs[p.name] = (major.get(p.name) ?? []).filter((s) => s.t >= o.warmupMs && s.t <= submitEnd).length;
      heapTotalGrowth[p.name] = growth(
        from,
        m.map((s) => ({ t: s.t, v: s.heapTotal })),
      );
      nativeGrowth[p.name] = growth(
        from,
        m.map((s) => ({ t: s.t, v: s.rss - s.heapPhysical - s.external })),
      );
    }
    if (o.samplesFile) {
      const series = (m: Map<string, MemSample[]>) => Object.fromEntries(m);
      await writeFile(
        o.samplesFile,
        JSON.stringify({
          warmupMs: o.warmupMs,
          submitEnd,
          samples,
          mem: series(mem),
          major: series(major),
          live: series(live),
        }),
      );
    }
    const statuses = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    // Every accepted job checked against the fake's ledger: with retention on, the job table keeps only the retained
    // window, so `statuses` counts those jobs and the ledger is what shows that none was lost.
    let lost = 0;
    let wrong = 0;
    for (const b of acceptedBatches) {
      for (const record of recordsOfBatch(b)) {
        const value = upstream.records.get(record.key);
        if (value === undefined) lost++;
        else if (value !== record.value) wrong++;
      }
    }
    const maxOf = (series: Record<string, ReturnType<typeof growth>>, field: 'growthPct' | 'lateGrowthPct') =>
      Math.max(...Object.values(series).map((g) => g?.[field] ?? 0));
    return {
      profile: 'soak',
      jobs: o.jobs,
      accepted,
      submitErrors: errors,
      statuses,
      lost,
      wrong,
      upstreamWrites: upstream.writes,
      rateTarget: o.rate,
      throughputPerWindow: windows.map((w) => Math.round(w)),
      throughputDriftPct: drift === null ? null : Math.round(drift * 1000) / 10,
      rssGrowth,
      maxRssGrowthPct: maxOf(rssGrowth, 'growthPct'),
      maxRssLateGrowthPct: maxOf(rssGrowth, 'lateGrowthPct'),
      liveAfterGcGrowth: liveGrowth,
      oldGenAfterMajorGc: oldGenGrowth,
      maxLiveGrowthPct: o.gcAtWarmup
        ? Math.max(...Object.values(liveGrowth).map((g) => g?.growthPct ?? 0))
        : maxOf(oldGenGrowth, 'growthPct'),
      gcAtWarmup: o.gcAtWarmup ?? false,
      majorGcs,
      heapTotalGrowth,
      nativeGrowth,
      memSampleS: memMs / 1000,
      retentionS: o.retentionMs === undefined ? null : o.retentionMs / 1000,
      tableSize: growth(o.warmupMs, tableSizes),
      tableGrowthBytes: bytesAfter - bytesBefore,
      tableBytesPerJob: accepted ? Math.round((bytesAfter - bytesBefore) / accepted) : null,
      heapCeilingMiB: o.heapMb || null,
      warmupS: o.warmupMs / 1000,
      warmedAtS: Object.fromEntries(Object.entries(warmAt).map(([name, ms]) => [name, Math.round(ms / 1000)])),
      windowS: o.windowMs / 1000,
      durationS: Math.round((Date.now() - started) / 1000),
      // The goal, each part on its own: live memory is what a leak grows; RSS as the system sees it.
      goal: {
        noneLostOrWrong: lost === 0 && wrong === 0,
        throughputWithin10Pct: drift !== null && drift <= 0.1,
        // Unknown when a process has no two figures to compare (too few full GCs after the warm-up: run longer).
        liveMemoryWithin10Pct: o.gcAtWarmup
          ? Object.values(liveGrowth).every((g) => g?.growthPct !== undefined)
            ? Object.values(liveGrowth).every((g) => g!.growthPct! <= 10)
            : null
          : Object.values(oldGenGrowth).some((g) => g === null)
            ? null
            : maxOf(oldGenGrowth, 'growthPct') <= 10,
        rssWithin10Pct: maxOf(rssGrowth, 'growthPct') <= 10,
        // With retention on: the job tables' size levels off (second half within 10 %).
        tablesLevelOff:
          o.retentionMs === undefined ? null : (growth(o.warmupMs, tableSizes)?.lateGrowthPct ?? 100) <= 10,
      },
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
