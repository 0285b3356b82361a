// Cost of the operator API's time-series and throughput queries at 1,000,000 job rows on a real PostgreSQL.
//   npm run bench -- ops [--rows 1000000] [--runs 10]
// Rows are spread evenly over the last 7 days, in 2 environments × 2 instances, 90 % succeeded, 5 % failed,
// 3 % dead, 2 % waiting for a retry, with latencies of 5 ms to ~2 s. After VACUUM ANALYZE (as autovacuum would), each
// query runs once to warm the cache, then `runs` times; the figures are the median and the worst in ms, and the plan's
// access path (the partial index of migration 16, an index-only scan, is what keeps the 1 h refresh cheap).
// `refresh` is what `GET /v1/admin/stats/timeseries` pays once its closed buckets are cached (TimeseriesCache): the
// full-range figures are a first read in a process.
import { TimeseriesCache, instanceThroughput, jobTimeseries, migrate, openSql } from '@relaykit/gateway';
import { startPostgres } from '@relaykit/testkit';
import { numberArg, reportBench, round } from './lib.js';

const ROWS = numberArg('rows', 1_000_000);
const RUNS = numberArg('runs', 10);
const CHUNK = 100_000;
const WEEK_SECONDS = 7 * 24 * 3600;

const postgres = await startPostgres();
const sql = await openSql({ url: postgres.url });
try {
  await migrate(sql);
  const loadStarted = performance.now();
  for (let start = 0; start < ROWS; start += CHUNK) {
    const end = Math.min(ROWS, start + CHUNK) - 1;
    // Row g finished g/ROWS of a week ago; its latency is 5 ms + (g mod 2000) ms.
    await sql.query(
      `INSERT INTO relaykit_jobs (id, kind, environment, instance, operation, status, input, max_attempts, attempts,
         created_at, updated_at, started_at, finished_at)
       SELECT 'b' || g, 'operation', CASE WHEN g % 2 = 0 THEN 'production' ELSE 'development' END,
         CASE WHEN g % 4 < 2 THEN 'crm' ELSE 'erp' END, 'put',
         s.status, '{}', 3, 1,
         t - ((5 + g % 2000) || ' milliseconds')::interval, t, t - ((5 + g % 2000) || ' milliseconds')::interval,
         CASE WHEN s.status = 'retrying' THEN NULL ELSE t END
       FROM generate_series($1::int, $2::int) g,
         LATERAL (SELECT now() - (($3::float8 * g / $4::float8) || ' seconds')::interval AS t) tt,
         LATERAL (SELECT CASE WHEN g % 100 < 90 THEN 'succeeded' WHEN g % 100 < 95 THEN 'failed'
           WHEN g % 100 < 98 THEN 'dead' ELSE 'retrying' END AS status) s`,
      [start, end, WEEK_SECONDS, ROWS],
    );
  }
  await sql.query('VACUUM ANALYZE relaykit_jobs');
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  async function measure(run: () => Promise<unknown>): Promise<{ medianMs: number; maxMs: number }> {
    await run();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { medianMs: round(times[Math.floor(times.length / 2)]!), maxMs: round(times.at(-1)!) };
  }

  const ranges = { '1h': [60, 60], '24h': [900, 96], '7d': [7200, 84] } as const;
  const timeseries: Record<string, unknown> = {};
  for (const [range, [bucketSeconds, buckets]] of Object.entries(ranges)) {
    const one = await jobTimeseries(sql, { environment: 'production', bucketSeconds, buckets });
    const counted = one.reduce((n, b) => n + b.succeeded + b.failed + b.dead + b.retrying, 0);
    timeseries[range] = {
      ...(await measure(() => jobTimeseries(sql, { environment: 'production', bucketSeconds, buckets }))),
      perInstance: (
        await measure(() => jobTimeseries(sql, { environment: 'production', instance: 'crm', bucketSeconds, buckets }))
      ).medianMs,
      rowsCounted: counted,
      // What the route pays on a refresh: closed buckets from memory, the last two read again.
      refresh: await (async () => {
        const cache = new TimeseriesCache();
        const query = { environment: 'production', bucketSeconds, buckets };
        return measure(() => cache.get(sql, query));
      })(),
    };
  }
  const throughput = await measure(() => instanceThroughput(sql, 'production'));
  const plan = (
    await sql.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT floor(extract(epoch FROM finished_at) / 60), status, finished_at - created_at FROM relaykit_jobs
       WHERE finished_at >= now() - interval '1 hour' AND environment = 'production' AND status IN ('succeeded', 'failed', 'dead')`,
    )
  ).rows
    .map((r) => r['QUERY PLAN'])
    .join(' | ');
  const accessPath =
    /Index Only Scan using (\w+)/.exec(plan)?.[0] ?? /(Index Scan using \w+|Bitmap Heap Scan|Seq Scan)/.exec(plan)?.[0];

  reportBench('ops', {
    engine: 'postgresql',
    rows: ROWS,
    loadSeconds: round(loadSeconds, 1),
    runs: RUNS,
    timeseries,
    throughput,
    plan1h: accessPath ?? plan,
  });
} finally {
  await sql.close();
  await postgres.stop();
}
