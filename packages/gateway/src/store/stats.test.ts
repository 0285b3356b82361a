import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrations.js';
import { pgliteClient, type SqlClient } from './sql.js';
import { TimeseriesCache, jobTimeseries } from './stats.js';

describe('job time series (PGlite)', () => {
  let sql: SqlClient;
  const insert = (from: number, to: number, spreadSeconds: number, prefix: string) =>
    sql.query(
      `INSERT INTO relaykit_jobs (id, kind, environment, instance, operation, status, input, max_attempts, created_at, updated_at, finished_at)
       SELECT $4 || g, 'operation', 'development', CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, 'put',
         (ARRAY['succeeded', 'failed', 'dead', 'retrying'])[1 + g % 4], '{}', 3,
         now() - (g * $3::float8 / $2::float8 || ' seconds')::interval - ((g % 50) || ' milliseconds')::interval,
         now() - (g * $3::float8 / $2::float8 || ' seconds')::interval,
         CASE WHEN g % 4 = 3 THEN NULL ELSE now() - (g * $3::float8 / $2::float8 || ' seconds')::interval END
       FROM generate_series($1::int, $2::int) g`,
      [from, to, spreadSeconds, prefix],
    );
  beforeAll(async () => {
    sql = await pgliteClient();
    await migrate(sql);
    await insert(1, 4000, 7 * 24 * 3600, 'w');
  });
  afterAll(async () => {
    await sql.close();
  });

  it('fills every bucket, oldest first, with counts by outcome and ordered percentiles', async () => {
    const buckets = await jobTimeseries(sql, { environment: 'development', bucketSeconds: 7200, buckets: 84 });
    expect(buckets).toHaveLength(84);
    const total = buckets.reduce((n, b) => n + b.succeeded + b.failed + b.dead + b.retrying, 0);
    expect(total).toBeGreaterThan(3900);
    for (const b of buckets.filter((x) => x.latencyMs)) {
      expect(b.latencyMs!.p50).toBeLessThanOrEqual(b.latencyMs!.p95);
      expect(b.latencyMs!.p95).toBeLessThanOrEqual(b.latencyMs!.p99);
    }
    const other = await jobTimeseries(sql, { environment: 'production', bucketSeconds: 7200, buckets: 84 });
    expect(other.every((b) => b.succeeded + b.failed + b.dead + b.retrying === 0)).toBe(true);
  });

  it('answers from cached closed buckets exactly what a full read answers, reading only the open ones again', async () => {
    const cache = new TimeseriesCache();
    const froms: Date[] = [];
    const spy: SqlClient = {
      ...sql,
      query: ((text: string, params?: unknown[]) => {
        if (text.includes("status IN ('succeeded', 'failed', 'dead')")) froms.push(params![0] as Date);
        return sql.query(text, params);
      }) as SqlClient['query'],
    };
    for (const [bucketSeconds, buckets, instance] of [
      [7200, 84, undefined],
      [900, 96, 'a'],
      [60, 60, undefined],
    ] as const) {
      const query = { environment: 'development', instance, bucketSeconds, buckets };
      froms.length = 0;
      expect(await cache.get(spy, query)).toEqual(await jobTimeseries(sql, query));
      expect(await cache.get(spy, query)).toEqual(await jobTimeseries(sql, query));
      // The second read started at the second-to-last bucket.
      expect(Date.now() - froms[1]!.getTime()).toBeLessThanOrEqual(2 * bucketSeconds * 1000 + 1000);
      // New jobs in the open bucket show at once.
      await insert(1, 20, 1, `n${bucketSeconds}-`);
      expect(await cache.get(spy, query)).toEqual(await jobTimeseries(sql, query));
    }
  });
});
