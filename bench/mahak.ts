// `npm run bench -- mahak [--rows 1000000] [--page 1000] [--parallel 4] [--buffered 2]`: syncs N rows (over four entities) from the fake Mahak —
// run in a child process, so the sync process's memory is its own — into PostgreSQL with the connector's sink; then,
// in the same run, COPYs the very same rows into identical tables as the physical ceiling. Reports rows/s for both,
// the ratio, and peak RSS of the sync process sampled every 100 ms (flat memory = bounded buffering).
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { PostgresCheckpointStore } from '@relaykit/sdk-core';
import {
  MahakClient, createPostgresDeadLetterSink, createPostgresMahakSink, entityTable, migrateMahakSchema, syncMahakEntity, type EntityName,
} from '@relaykit/connector-mahak';
import { startFakeMahak } from '@relaykit/connector-mahak/testing';
import { createDatabase, startPostgres } from '@relaykit/testkit';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { benchArgs, numberArg, reportBench, round } from './lib.js';

const ENTITIES: EntityName[] = ['Person', 'Product', 'ProductDetail', 'Order'];

if (process.argv.includes('--serve-fake')) {
  // Child mode: serve the seeded fake until stdin closes.
  const seed = JSON.parse(process.argv[process.argv.indexOf('--serve-fake') + 1]!) as Record<EntityName, number>;
  const fake = await startFakeMahak({ seed, startRowVersion: 2n ** 53n + 1000n });
  process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => { void fake.close().then(() => process.exit(0)); });
} else {
  await main();
}

async function startFakeProcess(seed: Record<string, number>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve-fake', JSON.stringify(seed)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['pipe', 'pipe', 'inherit'],
  });
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
  const rows = numberArg('rows', 1_000_000);
  const page = numberArg('page', 1000);
  const parallel = numberArg('parallel', 4);
  const buffered = numberArg('buffered', 2);
  const perEntity = Math.ceil(rows / ENTITIES.length);
  const seed = Object.fromEntries(ENTITIES.map((e) => [e, perEntity]));
  const own = benchArgs().url || process.env.DATABASE_URL ? undefined : await startPostgres();
  const url = benchArgs().url ?? process.env.DATABASE_URL ?? (await createDatabase(own!.url));
  const fake = await startFakeProcess(seed);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-mahak-bench-'));
  try {
    await migrateMahakSchema(pool);
    const checkpoints = new PostgresCheckpointStore({ pool });
    const client = new MahakClient({ baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1, timeouts: { headersMs: 300_000, bodyMs: 300_000 } });
    const deadLetter = createPostgresDeadLetterSink({ pool });

    let peakRss = process.memoryUsage().rss;
    const samples: number[] = [];
    const sampler = setInterval(() => { const rss = process.memoryUsage().rss; samples.push(rss); peakRss = Math.max(peakRss, rss); }, 100);
    let synced = 0;
    const started = performance.now();
    // Entities sync side by side (`--parallel`, default 4), each with its own bounded pipeline and checkpoint.
    const queue = [...ENTITIES];
    const worker = async () => {
      for (let entity = queue.shift(); entity; entity = queue.shift()) {
        const summary = await syncMahakEntity({
          client, entity, checkpoints, deadLetter, pageSize: page, source: 'bench', maxBufferedPages: buffered,
          sink: createPostgresMahakSink({ pool, entity, checkpoints }),
        });
        synced += summary.records;
        process.stderr.write(`synced ${entity}: ${summary.records} rows in ${round(summary.durationMs / 1000)} s\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
    const syncSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    await client.close();

    // The ceiling: COPY the same rows (exported to a file first, not timed) into identical empty tables.
    let copied = 0;
    let copySeconds = 0;
    for (const entity of ENTITIES) {
      const source = entityTable(entity);
      const target = `"public"."bench_copy_${entity.toLowerCase()}"`;
      await pool.query(`DROP TABLE IF EXISTS ${target}`);
      await pool.query(`CREATE TABLE ${target} (LIKE ${source} INCLUDING ALL)`);
      const file = join(dir, `${entity}.copy`);
      const c1 = await pool.connect();
      try { await pipeline(c1.query(copyTo(`COPY ${source} TO STDOUT`)), createWriteStream(file)); } finally { c1.release(); }
      const c2 = await pool.connect();
      const t0 = performance.now();
      try {
        const stream = c2.query(copyFrom(`COPY ${target} FROM STDIN`));
        await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), stream);
        copied += Number(stream.rowCount);
      } finally { c2.release(); }
      copySeconds += (performance.now() - t0) / 1000;
      process.stderr.write(`copied ${entity}: ${statSync(file).size} bytes\n`);
    }
    await checkpoints.close();

    const syncRate = synced / syncSeconds;
    const copyRate = copied / copySeconds;
    const mb = (n: number) => round(n / 1024 / 1024, 1);
    const firstQuarter = samples.slice(0, Math.max(1, Math.floor(samples.length / 4)));
    reportBench('mahak', {
      rows: synced,
      copied_rows: copied,
      page_size: page,
      parallel,
      buffered_pages: buffered,
      sync_seconds: round(syncSeconds),
      rows_per_s: Math.round(syncRate),
      copy_rows_per_s: Math.round(copyRate),
      ratio: round(syncRate / copyRate, 3),
      peak_rss_mb: mb(peakRss),
      rss_first_quarter_max_mb: mb(Math.max(...firstQuarter)),
      rss_samples: samples.length,
    });
  } finally {
    fake.child.stdin!.end();
    fake.child.kill();
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
    await own?.stop();
  }
}
