// `npm run bench -- mahak [--rows 1000000] [--page 1000] [--parallel 4] [--buffered 2] [--strategy copy|unnest]
// [--changed <rows>] [--single-rows 100000,1000000] [--single-only]`: syncs N rows (over four entities) from the
// fake Mahak — run in a child process, so the sync process's memory and CPU are its own — into PostgreSQL with the
// connector's sink (a backfill); then an incremental pass after `--changed` rows (default 10 %) changed in Mahak
// (every row on the RowVersion-guarded path); then, in the same run, COPYs the very same rows into identical tables (same columns and indexes) as the physical ceiling.
// Reports rows/s for both, the ratio, the incremental rate, the CPU seconds the sync process, the fake and
// PostgreSQL used (load-independent, unlike rates on a shared machine), and peak RSS of the sync process sampled
// every 100 ms (flat memory = bounded buffering).
// Then the single-answer cases (`--single-rows`, default 100000,1000000): a fake that ignores pageSize and answers
// each entity in one response (Mahak documents no paging), synced by streaming; each case runs in a child process of
// its own (its peak RSS is its own), once with V8's defaults and once under one old-space ceiling for every size
// (`--single-heap-mb <mb>`, default 128, 0 skips it), reports its ratio to COPY, its peak RSS and its peak heap just
// after V8's own full collections (what the sync retains), and the final line holds the ratios of the largest case's
// figures to the smallest's for both passes (bounded memory: about 1).
// `--single-only` skips the paged case.
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { PostgresCheckpointStore } from '@relaykit/sdk-core';
import {
  MahakClient,
  createPostgresDeadLetterSink,
  createPostgresMahakSink,
  entityTable,
  migrateMahakSchema,
  syncMahakEntity,
  type EntityName,
} from '@relaykit/connector-mahak';
import { startFakeMahak } from '@relaykit/connector-mahak/testing';
import { createDatabase, startPostgres } from '@relaykit/testkit';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { benchArgs, numberArg, reportBench, round } from './lib.js';

const ENTITIES: EntityName[] = ['Person', 'Product', 'ProductDetail', 'Order'];

if (process.argv.includes('--serve-fake')) {
  // Child mode: serve the seeded fake until stdin closes.
  const at = process.argv.indexOf('--serve-fake');
  const seed = JSON.parse(process.argv[at + 1]!) as Record<EntityName, number>;
  const paging = process.argv[at + 2] === 'none' ? 'none' : 'safe';
  const fake = await startFakeMahak({ seed, startRowVersion: 2n ** 53n + 1000n, paging });
  process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
  // "cpu" on stdin: answer this process's CPU seconds so far (the bench reports where the CPU went).
  // "update <n>": change the first n rows of every entity (one RowVersion each), for the incremental pass.
  process.stdin.on('data', (chunk: Buffer) => {
    const message = chunk.toString();
    if (message.includes('cpu')) {
      const u = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ cpu: (u.user + u.system) / 1e6 })}\n`);
    }
    const update = /update (\d+)/.exec(message);
    if (update) {
      for (const entity of Object.keys(seed) as EntityName[])
        for (let id = 1; id <= Number(update[1]); id++) fake.update(entity, id, { DataHash: `u${id}` });
      process.stdout.write(`${JSON.stringify({ updated: true })}\n`);
    }
  });
  process.stdin.on('end', () => {
    void fake.close().then(() => process.exit(0));
  });
} else if (process.argv.includes('--single-answer')) {
  // Child mode: one single-answer case, in a process of its own; prints its figures as the last line.
  const at = process.argv.indexOf('--single-answer');
  const figures = await runCase({
    rows: Number(process.argv[at + 1]),
    url: process.argv[at + 2]!,
    paging: 'none',
    incremental: false,
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(0);
} else {
  await main();
}

/** CPU seconds of the fake's process so far. */
async function fakeCpu(child: ChildProcess): Promise<number> {
  const answer = new Promise<number>((resolve) => {
    const onData = (chunk: Buffer) => {
      const line = chunk
        .toString()
        .split('\n')
        .find((l) => l.includes('"cpu"'));
      if (line) {
        child.stdout!.off('data', onData);
        resolve((JSON.parse(line) as { cpu: number }).cpu);
      }
    };
    child.stdout!.on('data', onData);
  });
  child.stdin!.write('cpu\n');
  return answer;
}

/** Asks the fake to change the first `n` rows of every entity; resolves once it has. */
async function fakeUpdate(child: ChildProcess, n: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      if (chunk.toString().includes('"updated"')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stdin!.write(`update ${n}\n`);
  });
}

/**
 * CPU seconds used so far by a PostgreSQL server we started (Linux): the postmaster with its reaped children
 * (cutime/cstime: backends that ended) plus every live child (backends, WAL writer, checkpointer).
 */
function postgresCpu(postmasterPid: number | undefined): number | undefined {
  if (postmasterPid === undefined) return undefined;
  const tick = 100; // USER_HZ on Linux
  const fields = (pid: number | string) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
    } catch {
      return undefined;
    }
  };
  const own = fields(postmasterPid);
  if (!own) return undefined;
  // After the ") ": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = fields(entry);
    if (f && Number(f[1]) === postmasterPid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / tick;
}

async function startFakeProcess(
  seed: Record<string, number>,
  paging: 'safe' | 'none',
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve-fake', JSON.stringify(seed), paging],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`fake Mahak exited with ${code}`)));
  });
  return { url, child };
}

async function main() {
  const own = benchArgs().url || process.env.DATABASE_URL ? undefined : await startPostgres();
  const base = benchArgs().url ?? process.env.DATABASE_URL;
  try {
    const url = base ?? (await createDatabase(own!.url));
    const postmaster = own
      ? Number(readFileSync(join(own.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
      : undefined;
    // `--single-only`: skip the paged case (a quicker look at the single-answer memory figures).
    const figures =
      benchArgs()['single-only'] === 'true'
        ? {}
        : await runCase({
            rows: numberArg('rows', 1_000_000),
            url,
            postmaster,
            paging: 'safe',
            incremental: true,
          });
    // Single-answer cases, each in a child process (and a database) of its own.
    const sizes = (benchArgs()['single-rows'] ?? '100000,1000000')
      .split(',')
      .map(Number)
      .filter((n) => n > 0);
    // Each size runs twice: with V8's defaults, and under one old-space ceiling for every size (`--single-heap-mb`,
    // default 128; 0 skips it). V8 grows its heap lazily — to about four times the live heap before a full
    // collection — so a short run peaks lower than a long one although both retain the same: the ceiling takes that
    // sizing out of the RSS comparison, and memory that grew with the answer would end in an out-of-memory failure.
    const ceilingMb = numberArg('single-heap-mb', 128);
    const passes: Array<{ heapMb: number; cases: Record<string, Record<string, unknown>> }> = [
      { heapMb: 0, cases: {} },
      ...(ceilingMb > 0 ? [{ heapMb: ceilingMb, cases: {} }] : []),
    ];
    for (const pass of passes)
      for (const size of sizes) {
        const caseUrl = own ? await createDatabase(own.url) : url;
        pass.cases[String(size)] = await singleAnswerCase(size, caseUrl, pass.heapMb);
        const label = pass.heapMb ? ` (heap ceiling ${pass.heapMb} MB)` : '';
        process.stderr.write(`single answer ${size}${label}: ${JSON.stringify(pass.cases[String(size)])}\n`);
      }
    const summary = (cases: Record<string, Record<string, unknown>>) => {
      const rss = sizes.map((n) => Number(cases[String(n)]!.peak_rss_mb));
      const heapAfterGc = sizes.map((n) => Number(cases[String(n)]!.peak_heap_after_full_gc_mb));
      return {
        cases: Object.fromEntries(
          Object.entries(cases).map(([n, f]) => [
            n,
            {
              rows: f.rows,
              rows_per_s: f.rows_per_s,
              copy_rows_per_s: f.copy_rows_per_s,
              ratio: f.ratio,
              peak_rss_mb: f.peak_rss_mb,
              peak_heap_after_full_gc_mb: f.peak_heap_after_full_gc_mb,
              sync_seconds: f.sync_seconds,
              pages: f.pages,
            },
          ]),
        ),
        rssRatio: rss.length >= 2 ? round(rss.at(-1)! / rss[0]!, 3) : undefined,
        heapRatio:
          heapAfterGc.length >= 2 && heapAfterGc[0]! > 0 ? round(heapAfterGc.at(-1)! / heapAfterGc[0]!, 3) : undefined,
      };
    };
    const defaults = summary(passes[0]!.cases);
    const capped = passes[1] ? summary(passes[1].cases) : undefined;
    reportBench('mahak', {
      ...figures,
      single_answer: defaults.cases,
      single_answer_rss_ratio: defaults.rssRatio,
      single_answer_heap_after_gc_ratio: defaults.heapRatio,
      ...(capped
        ? {
            single_answer_heap_ceiling_mb: ceilingMb,
            single_answer_capped: capped.cases,
            single_answer_capped_rss_ratio: capped.rssRatio,
            single_answer_capped_heap_after_gc_ratio: capped.heapRatio,
          }
        : {}),
    });
  } finally {
    await own?.stop();
  }
}

/** Runs one single-answer case in a child process; resolves with its figures. */
async function singleAnswerCase(rows: number, url: string, heapMb: number): Promise<Record<string, unknown>> {
  const child = spawn(
    process.execPath,
    [
      ...(heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : []),
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--single-answer',
      String(rows),
      url,
      ...process.argv.slice(3),
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').at(-1);
  if (code !== 0 || !line) throw new Error(`single-answer case ${rows} exited with ${code}`);
  return JSON.parse(line) as Record<string, unknown>;
}

interface CaseOptions {
  rows: number;
  url: string;
  postmaster?: number | undefined;
  /** `none`: the fake ignores pageSize and answers each entity in one response. */
  paging: 'safe' | 'none';
  incremental: boolean;
}

/** Syncs `rows` rows (over four entities), optionally an incremental pass, then the COPY ceiling; returns figures. */
async function runCase(c: CaseOptions): Promise<Record<string, unknown>> {
  const rows = c.rows;
  const url = c.url;
  const postmaster = c.postmaster;
  const page = numberArg('page', 1000);
  const parallel = numberArg('parallel', 4);
  const buffered = numberArg('buffered', 2);
  const strategy = (benchArgs().strategy ?? 'copy') as 'copy' | 'unnest';
  const perEntity = Math.ceil(rows / ENTITIES.length);
  const seed = Object.fromEntries(ENTITIES.map((e) => [e, perEntity]));
  const fake = await startFakeProcess(seed, c.paging);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-mahak-bench-'));
  try {
    await migrateMahakSchema(pool);
    const checkpoints = new PostgresCheckpointStore({ pool });
    const client = new MahakClient({
      baseUrl: fake.url,
      userName: 'demo',
      password: 'demo-password',
      databaseId: 1,
      timeouts: { headersMs: 300_000, bodyMs: 300_000 },
    });
    const deadLetter = createPostgresDeadLetterSink({ pool });

    let peakRss = process.memoryUsage().rss;
    // The heap in use just after each full (mark-compact) collection V8 ran by itself: about what the sync retains,
    // without the garbage a peak RSS also holds (how much of it V8 lets pile up depends on run length and load).
    let peakAfterGc = 0;
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if ((entry as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR)
          peakAfterGc = Math.max(peakAfterGc, process.memoryUsage().heapUsed);
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const samples: number[] = [];
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss;
      samples.push(rss);
      peakRss = Math.max(peakRss, rss);
    }, 100);
    const cpu0 = { sync: process.cpuUsage(), fake: await fakeCpu(fake.child), pg: postgresCpu(postmaster) };
    let synced = 0;
    let pages = 0;
    const started = performance.now();
    // Entities sync side by side (`--parallel`, default 4), each with its own bounded pipeline and checkpoint.
    const queue = [...ENTITIES];
    const worker = async () => {
      for (let entity = queue.shift(); entity; entity = queue.shift()) {
        const summary = await syncMahakEntity({
          client,
          entity,
          checkpoints,
          deadLetter,
          pageSize: page,
          source: 'bench',
          maxBufferedPages: buffered,
          sink: createPostgresMahakSink({ pool, entity, checkpoints, strategy }),
        });
        synced += summary.records;
        pages += summary.pages;
        process.stderr.write(`synced ${entity}: ${summary.records} rows in ${round(summary.durationMs / 1000)} s\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
    const syncSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    gcObserver.disconnect();
    const syncCpu = process.cpuUsage(cpu0.sync);
    const cpu1 = { fake: await fakeCpu(fake.child), pg: postgresCpu(postmaster) };

    // An incremental pass: `--changed` (default 10 %) of the rows changed in Mahak. Every id is known now, so every
    // row takes the guarded path (staging table + INSERT … ON CONFLICT … WHERE newer), not the backfill's plain COPY.
    const changedPerEntity = c.incremental
      ? Math.floor(numberArg('changed', Math.round(rows / 10)) / ENTITIES.length)
      : 0;
    if (changedPerEntity > 0) await fakeUpdate(fake.child, changedPerEntity);
    let changed = 0;
    const incStarted = performance.now();
    await Promise.all(
      (changedPerEntity > 0 ? ENTITIES : []).map(async (entity) => {
        const summary = await syncMahakEntity({
          client,
          entity,
          checkpoints,
          deadLetter,
          pageSize: page,
          source: 'bench',
          maxBufferedPages: buffered,
          sink: createPostgresMahakSink({ pool, entity, checkpoints, strategy }),
        });
        changed += summary.upserts;
      }),
    );
    const incSeconds = (performance.now() - incStarted) / 1000;
    await client.close();

    // The ceiling: COPY the same rows (exported to a file first, not timed) into identical empty tables.
    let copied = 0;
    let copySeconds = 0;
    let copyPgCpu = 0;
    for (const entity of ENTITIES) {
      const source = entityTable(entity);
      const target = `"public"."bench_copy_${entity.toLowerCase()}"`;
      await pool.query(`DROP TABLE IF EXISTS ${target}`);
      await pool.query(`CREATE TABLE ${target} (LIKE ${source} INCLUDING ALL)`);
      const file = join(dir, `${entity}.copy`);
      const c1 = await pool.connect();
      try {
        await pipeline(c1.query(copyTo(`COPY ${source} TO STDOUT`)), createWriteStream(file));
      } finally {
        c1.release();
      }
      const c2 = await pool.connect();
      const t0 = performance.now();
      const pgBefore = postgresCpu(postmaster);
      try {
        const stream = c2.query(copyFrom(`COPY ${target} FROM STDIN`));
        await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), stream);
        copied += Number(stream.rowCount);
      } finally {
        c2.release();
      }
      copySeconds += (performance.now() - t0) / 1000;
      copyPgCpu += (postgresCpu(postmaster) ?? 0) - (pgBefore ?? 0);
      process.stderr.write(`copied ${entity}: ${statSync(file).size} bytes\n`);
    }
    await checkpoints.close();

    const syncRate = synced / syncSeconds;
    const copyRate = copied / copySeconds;
    const mb = (n: number) => round(n / 1024 / 1024, 1);
    const firstQuarter = samples.slice(0, Math.max(1, Math.floor(samples.length / 4)));
    const figures: Record<string, unknown> = {
      rows: synced,
      copied_rows: copied,
      page_size: page,
      parallel,
      buffered_pages: buffered,
      strategy,
      sync_seconds: round(syncSeconds),
      rows_per_s: Math.round(syncRate),
      copy_rows_per_s: Math.round(copyRate),
      ratio: round(syncRate / copyRate, 3),
      incremental_rows: changed,
      incremental_rows_per_s: Math.round(changed / incSeconds),
      // Where the CPU went (seconds): load-independent, unlike the rates on a shared machine.
      cpu_sync_process_s: round((syncCpu.user + syncCpu.system) / 1e6),
      cpu_fake_s: round(cpu1.fake - cpu0.fake),
      ...(cpu0.pg !== undefined && cpu1.pg !== undefined
        ? { cpu_pg_sync_s: round(cpu1.pg - cpu0.pg), cpu_pg_copy_s: round(copyPgCpu) }
        : {}),
      peak_rss_mb: mb(peakRss),
      peak_heap_after_full_gc_mb: mb(peakAfterGc),
      rss_first_quarter_max_mb: mb(Math.max(...firstQuarter)),
      rss_samples: samples.length,
      pages,
    };
    if (!c.incremental) {
      delete figures.incremental_rows;
      delete figures.incremental_rows_per_s;
    }
    return figures;
  } finally {
    fake.child.stdin!.end();
    fake.child.kill();
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
