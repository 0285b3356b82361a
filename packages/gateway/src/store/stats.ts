import type { SqlClient } from './sql.js';

/** Jobs of one time bucket by outcome, and the latency of the finished ones. */
export interface StatsBucket {
  /** Start of the bucket (ISO 8601). */
  start: string;
  succeeded: number;
  failed: number;
  dead: number;
  /** Jobs waiting for a retry whose last attempt failed in this bucket. */
  retrying: number;
  /** From acceptance to final outcome, in ms, over the jobs that finished in the bucket; null when none did. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
}

/** What {@link jobTimeseries} reads. */
export interface TimeseriesQuery {
  environment: string;
  instance?: string | undefined;
  bucketSeconds: number;
  buckets: number;
  /** The time the last bucket holds (default: now). */
  now?: Date;
}

/**
 * Jobs per bucket by outcome (succeeded, failed, dead: by finish time; retrying: by the time of the last failed
 * attempt) and latency percentiles (`percentile_cont`, on PostgreSQL and PGlite alike), oldest bucket first, empty
 * buckets included. One statement over the partial indexes of migration 16 (index-only scans of the range).
 */
export async function jobTimeseries(sql: SqlClient, query: TimeseriesQuery): Promise<StatsBucket[]> {
  const bucketMs = query.bucketSeconds * 1000;
  const last = Math.floor((query.now ?? new Date()).getTime() / bucketMs) * bucketMs;
  const first = last - (query.buckets - 1) * bucketMs;
  const { rows } = await sql.query<{
    b: string | number;
    succeeded: string | number;
    failed: string | number;
    dead: string | number;
    retrying: string | number;
    latency: number[] | null;
  }>(
    `WITH finished AS (
       SELECT floor(extract(epoch FROM finished_at) / $3) AS b, status,
         extract(epoch FROM finished_at - created_at) * 1000 AS ms
       FROM relaykit_jobs
       WHERE finished_at >= $1 AND environment = $2 AND ($4::text IS NULL OR instance = $4)
         AND status IN ('succeeded', 'failed', 'dead')),
     retrying AS (
       SELECT floor(extract(epoch FROM updated_at) / $3) AS b
       FROM relaykit_jobs
       WHERE status = 'retrying' AND updated_at >= $1 AND environment = $2 AND ($4::text IS NULL OR instance = $4))
     SELECT b, count(*) FILTER (WHERE status = 'succeeded') AS succeeded, count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status = 'dead') AS dead, 0 AS retrying,
       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) AS latency
     FROM finished GROUP BY b
     UNION ALL
     SELECT b, 0, 0, 0, count(*), NULL FROM retrying GROUP BY b`,
    [new Date(first), query.environment, query.bucketSeconds, query.instance ?? null],
  );
  const out: StatsBucket[] = [];
  for (let i = 0; i < query.buckets; i++)
    out.push({
      start: new Date(first + i * bucketMs).toISOString(),
      succeeded: 0,
      failed: 0,
      dead: 0,
      retrying: 0,
      latencyMs: null,
    });
  for (const row of rows) {
    const bucket = out[Math.round((Number(row.b) * bucketMs - first) / bucketMs)];
    // A row finished after `now` (clock skew between processes) has no bucket.
    if (!bucket) continue;
    bucket.succeeded += Number(row.succeeded);
    bucket.failed += Number(row.failed);
    bucket.dead += Number(row.dead);
    bucket.retrying += Number(row.retrying);
    const latency = parseArray(row.latency);
    if (latency) bucket.latencyMs = { p50: round(latency[0]!), p95: round(latency[1]!), p99: round(latency[2]!) };
  }
  return out;
}

/** Finished jobs (succeeded, failed, dead; not cancelled) and errors (failed or dead) of one instance over the last 5 and 60 minutes. */
export interface InstanceThroughput {
  last5m: { finished: number; errors: number; perMinute: number; errorRate: number };
  last60m: { finished: number; errors: number; perMinute: number; errorRate: number };
}

/** Throughput and error rate per instance of an environment over the last 5 and 60 minutes (by finish time). */
export async function instanceThroughput(
  sql: SqlClient,
  environment: string,
): Promise<Map<string, InstanceThroughput>> {
  const { rows } = await sql.query<{
    instance: string;
    f5: string | number;
    e5: string | number;
    f60: string | number;
    e60: string | number;
  }>(
    `SELECT instance,
       count(*) FILTER (WHERE finished_at >= now() - interval '5 minutes') AS f5,
       count(*) FILTER (WHERE finished_at >= now() - interval '5 minutes' AND status <> 'succeeded') AS e5,
       count(*) AS f60, count(*) FILTER (WHERE status <> 'succeeded') AS e60
     FROM relaykit_jobs WHERE finished_at >= now() - interval '60 minutes' AND environment = $1
       AND status IN ('succeeded', 'failed', 'dead')
     GROUP BY instance`,
    [environment],
  );
  const window = (finished: number, errors: number, minutes: number) => ({
    finished,
    errors,
    perMinute: round(finished / minutes),
    errorRate: finished ? round(errors / finished, 4) : 0,
  });
  return new Map(
    rows.map((r) => [
      r.instance,
      {
        last5m: window(Number(r.f5), Number(r.e5), 5),
        last60m: window(Number(r.f60), Number(r.e60), 60),
      },
    ]),
  );
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A float8[] as drivers return it: an array (pg, PGlite) or its text form. */
function parseArray(value: unknown): number[] | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(Number);
  return String(value).replace(/[{}]/g, '').split(',').map(Number);
}
