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

type Finished = Omit<StatsBucket, 'start' | 'retrying'>;

/** Bucket start (ms) → finished jobs by outcome and latency, for jobs finished at or after `fromMs`. */
async function finishedBuckets(sql: SqlClient, query: TimeseriesQuery, fromMs: number): Promise<Map<number, Finished>> {
  const { rows } = await sql.query<{
    b: string | number;
    succeeded: string | number;
    failed: string | number;
    dead: string | number;
    latency: number[] | null;
  }>(
    `SELECT floor(extract(epoch FROM finished_at) / $3) AS b,
       count(*) FILTER (WHERE status = 'succeeded') AS succeeded, count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status = 'dead') AS dead,
       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) * 1000) AS latency
     FROM relaykit_jobs
     WHERE finished_at >= $1 AND environment = $2 AND ($4::text IS NULL OR instance = $4)
       AND status IN ('succeeded', 'failed', 'dead')
     GROUP BY 1`,
    [new Date(fromMs), query.environment, query.bucketSeconds, query.instance ?? null],
  );
  const out = new Map<number, Finished>();
  for (const row of rows) {
    const latency = parseArray(row.latency);
    out.set(Number(row.b) * query.bucketSeconds * 1000, {
      succeeded: Number(row.succeeded),
      failed: Number(row.failed),
      dead: Number(row.dead),
      latencyMs: latency ? { p50: round(latency[0]!), p95: round(latency[1]!), p99: round(latency[2]!) } : null,
    });
  }
  return out;
}

/** Bucket start (ms) → jobs now waiting for a retry whose last attempt failed in the bucket (a handful of rows). */
async function retryingBuckets(sql: SqlClient, query: TimeseriesQuery, fromMs: number): Promise<Map<number, number>> {
  const { rows } = await sql.query<{ b: string | number; n: string | number }>(
    `SELECT floor(extract(epoch FROM updated_at) / $3) AS b, count(*) AS n
     FROM relaykit_jobs
     WHERE status = 'retrying' AND updated_at >= $1 AND environment = $2 AND ($4::text IS NULL OR instance = $4)
     GROUP BY 1`,
    [new Date(fromMs), query.environment, query.bucketSeconds, query.instance ?? null],
  );
  return new Map(rows.map((r) => [Number(r.b) * query.bucketSeconds * 1000, Number(r.n)]));
}

/** The first and last bucket start (ms) of a query. */
function span(query: TimeseriesQuery): { first: number; last: number; bucketMs: number } {
  const bucketMs = query.bucketSeconds * 1000;
  const last = Math.floor((query.now ?? new Date()).getTime() / bucketMs) * bucketMs;
  return { first: last - (query.buckets - 1) * bucketMs, last, bucketMs };
}

function assemble(
  query: TimeseriesQuery,
  finished: (start: number) => Finished | undefined,
  retrying: Map<number, number>,
): StatsBucket[] {
  const { first, bucketMs } = span(query);
  return Array.from({ length: query.buckets }, (_, i) => {
    const start = first + i * bucketMs;
    const f = finished(start);
    return {
      start: new Date(start).toISOString(),
      succeeded: f?.succeeded ?? 0,
      failed: f?.failed ?? 0,
      dead: f?.dead ?? 0,
      retrying: retrying.get(start) ?? 0,
      latencyMs: f?.latencyMs ?? null,
    };
  });
}

/**
 * Jobs per bucket by outcome (succeeded, failed, dead: by finish time; retrying: by the time of the last failed
 * attempt) and latency percentiles (`percentile_cont`, on PostgreSQL and PGlite alike), oldest bucket first, empty
 * buckets included. Reads the partial indexes of migration 16 (index-only scans of the range).
 */
export async function jobTimeseries(sql: SqlClient, query: TimeseriesQuery): Promise<StatsBucket[]> {
  const { first } = span(query);
  const [finished, retrying] = await Promise.all([
    finishedBuckets(sql, query, first),
    retryingBuckets(sql, query, first),
  ]);
  return assemble(query, (start) => finished.get(start), retrying);
}

/** Buckets still read from the database on every call: the open one and the one before (late commits land there). */
const OPEN_BUCKETS = 2;

/**
 * {@link jobTimeseries} that keeps closed buckets of finished jobs in memory: a bucket older than the last two never
 * changes (jobs finish at the database's now), so a refresh reads only the last two buckets plus whatever it has not
 * seen — the 7 d chart costs about what the 1 h one does. Retrying jobs (few rows) are always read afresh.
 */
export class TimeseriesCache {
  private readonly series = new Map<string, Map<number, Finished>>();

  constructor(private readonly maxSeries = 1000) {}

  async get(sql: SqlClient, query: TimeseriesQuery): Promise<StatsBucket[]> {
    const { first, last, bucketMs } = span(query);
    const key = `${query.environment}\u0000${query.instance ?? ''}\u0000${query.bucketSeconds}`;
    let known = this.series.get(key);
    if (!known) {
      if (this.series.size >= this.maxSeries) this.series.clear();
      this.series.set(key, (known = new Map()));
    }
    // The oldest bucket not known yet, at most the first open one.
    let from = first;
    while (from <= last - OPEN_BUCKETS * bucketMs && known.has(from)) from += bucketMs;
    const [finished, retrying] = await Promise.all([
      finishedBuckets(sql, query, from),
      retryingBuckets(sql, query, first),
    ]);
    const empty: Finished = { succeeded: 0, failed: 0, dead: 0, latencyMs: null };
    for (let start = from; start <= last - OPEN_BUCKETS * bucketMs; start += bucketMs)
      known.set(start, finished.get(start) ?? empty);
    for (const start of known.keys()) if (start < first) known.delete(start);
    return assemble(query, (start) => (start >= from ? finished.get(start) : known.get(start)), retrying);
  }
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
