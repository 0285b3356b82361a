// Test and bench support (not part of the package's API): several gateway worker processes with the scheduling
// loop on one PostgreSQL and Redis, many one-second schedules, optionally one process SIGKILLed and one frozen
// with SIGSTOP part way; then every fire time is counted from the database.
import { randomUUID } from 'node:crypto';
import { spawnTsxWorkers, waitFor, type TsxWorker } from '@relaykit/testkit';
import { migrate } from '../../store/migrations.js';
import { postgresClient } from '../../store/sql.js';
import { policyOf } from '../../schedules/definition.js';
import { ScheduleStore } from '../../schedules/store.js';

/** What {@link runSchedulingScenario} does. */
export interface ScenarioOptions {
  databaseUrl: string;
  redisUrl: string;
  processes: number;
  schedules: number;
  seconds: number;
  /** SIGKILL one process at this fraction of the window. */
  killAt?: number;
  /** SIGSTOP another process at this fraction of the window, for `freezeMs` (then SIGCONT). */
  freezeAt?: number;
  freezeMs?: number;
  /**
   * The documented takeover bound: after the window's end, every schedule must have fired every time up to the end
   * within this long (waited for as a condition); a fire time still unmade then counts as missing.
   */
  boundMs?: number;
  log?: (line: string) => void;
  /** Each line the processes print on stderr (warnings, a pass count every 5 s). */
  onStderr?: (process: number, line: string) => void;
  /** Schedules each process locks per pass (`scheduler.batch`). */
  batch?: number;
}

/** What the database shows once the processes stopped. */
export interface ScenarioResult {
  schedules: number;
  processes: number;
  seconds: number;
  /** How long after the window's end the last schedule had fired its last due time (ms; > boundMs: not caught up). */
  catchUpMs: number;
  /** Fire times due within the window (its first fire time to its end), over all schedules. */
  firesExpected: number;
  /** Jobs created for those fire times. */
  jobsCreated: number;
  /** Fire times with more than one job (must be 0). */
  duplicates: number;
  /** Due fire times with no job. */
  missing: number;
  /** Run rows with another outcome than `fired` (none expected: overlap=allow, catch-up). */
  notFired: number;
  /** Due time to job recorded, ms. */
  fireLagP50Ms: number;
  fireLagP99Ms: number;
  fireLagMaxMs: number;
  /** Due time to job started, ms (p99). */
  startLagP99Ms: number;
  /** What happened to each process. */
  events: string[];
  /** Warnings the processes printed (failed passes, failed enqueues), first few. */
  warnings: string[];
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;

/** Runs the scenario and counts. The database should be fresh. */
export async function runSchedulingScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined);
  const sql = postgresClient(options.databaseUrl, { max: 4 });
  const events: string[] = [];
  let workers: TsxWorker[] = [];
  try {
    await migrate(sql);
    const prefix = `sched-${randomUUID().slice(0, 8)}`;
    workers = spawnTsxWorkers(options.processes, (i) => ({
      script: new URL('../workers/scheduler.worker.ts', import.meta.url),
      name: `scheduler-${i}`,
      env: {
        DATABASE_URL: options.databaseUrl,
        REDIS_URL: options.redisUrl,
        QUEUE_PREFIX: prefix,
        ...(options.batch ? { SCHEDULER_BATCH: String(options.batch) } : {}),
      },
      timeoutMs: (options.seconds + 180) * 1000,
    }));
    await Promise.all(workers.map((w) => w.waitForLine(/^ready /)));
    const { onStderr } = options;
    if (onStderr)
      for (const [i, w] of workers.entries())
        w.child.stderr?.on('data', (d: Buffer) => {
          for (const l of d.toString().split('\n')) if (l) onStderr(i, l);
        });
    log(`${workers.length} processes ready`);

    const store = new ScheduleStore(sql);
    const created = new Date();
    const ids: string[] = [];
    for (let i = 0; i < options.schedules; i++) {
      const id = `bench-${String(i).padStart(5, '0')}`;
      ids.push(id);
      await store.create(
        {
          id,
          source: 'api',
          name: id,
          instance: 'tick',
          environment: 'development',
          operation: 'beat',
          input: { n: i },
          timing: { cron: '* * * * * *', every: null, timeZone: 'UTC' },
          // Every fire time must make a job: no overlap skip, no missed-run skip.
          policy: policyOf({ overlap: 'allow', missed: 'catch-up', catchUpLimit: 1000 }),
          // Created paused and started together below, so all begin on the same second however long creating took.
          paused: true,
        },
        created,
      );
    }
    const { rows: startRows } = await sql.query<{ first: Date }>(
      `UPDATE relaykit_schedules SET paused = false,
         next_fire_at = date_trunc('second', clock_timestamp()) + interval '2 seconds',
         due_at = date_trunc('second', clock_timestamp()) + interval '2 seconds'
       RETURNING next_fire_at AS first`,
    );
    const firstFire = new Date(startRows[0]!.first).getTime();
    log(`${ids.length} schedules created; first fire ${new Date(firstFire).toISOString()}`);

    // The window runs from the first fire time for `seconds`; the SIGKILL and SIGSTOP fall inside it.
    const windowMs = options.seconds * 1000;
    const started = firstFire;
    const end = firstFire + windowMs;
    const at = (fraction: number) => started + fraction * windowMs;
    const pending: Array<Promise<void>> = [];
    const sleepUntil = (t: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, t - Date.now())));
    if (options.killAt !== undefined && workers[0]) {
      pending.push(
        sleepUntil(at(options.killAt)).then(() => {
          workers[0]!.kill('SIGKILL');
          events.push(`process 0 SIGKILLed at +${Date.now() - started} ms`);
        }),
      );
    }
    if (options.freezeAt !== undefined && workers[1]) {
      const child = workers[1].child;
      pending.push(
        sleepUntil(at(options.freezeAt)).then(async () => {
          child.kill('SIGSTOP');
          const frozeAt = Date.now() - started;
          await sleepUntil(Date.now() + (options.freezeMs ?? 5000));
          child.kill('SIGCONT');
          events.push(`process 1 SIGSTOPped at +${frozeAt} ms, SIGCONT at +${Date.now() - started} ms`);
        }),
      );
    }
    await sleepUntil(end);
    await Promise.all(pending);
    // None missed beyond the bound: every cursor must pass the window's end within it (a condition, not a fixed wait).
    const bound = options.boundMs ?? 5000;
    const caughtUp = await waitFor(
      async () => {
        const { rows } = await sql.query<{ n: string }>(
          'SELECT count(*) AS n FROM relaykit_schedules WHERE next_fire_at <= $1',
          [new Date(end)],
        );
        return Number(rows[0]!.n) === 0;
      },
      'every schedule to fire up to the end of the window',
      { timeoutMs: bound, intervalMs: 50 },
    ).then(
      () => true,
      () => false,
    );
    const catchUpMs = caughtUp ? Math.max(0, Date.now() - end) : bound + 1;
    // Pausing waits for any pass holding the rows, so nothing fires after it commits.
    await sql.query('UPDATE relaykit_schedules SET paused = true');
    const cut = end;
    log(
      `window ended at ${new Date(end).toISOString()}; caught up ${caughtUp ? `after ${catchUpMs} ms` : 'not within the bound'}`,
    );

    // Jobs still queued run on the surviving processes; the count needs only the records.
    const { rows: runs } = await sql.query<{
      schedule_id: string;
      fire_at: Date;
      due_at: Date;
      outcome: string;
      job_id: string | null;
      recorded_at: Date;
      started_at: Date | null;
    }>(
      `SELECT r.schedule_id, r.fire_at, r.due_at, r.outcome, r.job_id, r.recorded_at, j.started_at
       FROM relaykit_schedule_runs r LEFT JOIN relaykit_jobs j ON j.id = r.job_id WHERE r.fire_at <= $1`,
      [new Date(cut)],
    );
    const { rows: jobRows } = await sql.query<{ dedupe_key: string; n: string }>(
      `SELECT dedupe_key, count(*) AS n FROM relaykit_jobs WHERE dedupe_key LIKE 'schedule:%' GROUP BY dedupe_key`,
    );
    const perSecond = Math.max(0, Math.floor((cut - firstFire) / 1000) + 1);
    const firesExpected = perSecond * ids.length;
    const fired = runs.filter((r) => r.outcome === 'fired' && r.job_id);
    const seen = new Set(fired.map((r) => `${r.schedule_id}@${new Date(r.fire_at).getTime()}`));
    let missing = 0;
    for (const id of ids) for (let t = firstFire; t <= cut; t += 1000) if (!seen.has(`${id}@${t}`)) missing++;
    // The dedupe key ends with the fire time in ISO 8601 (24 characters).
    const jobsInWindow = jobRows.filter((j) => Date.parse(j.dedupe_key.slice(-24)) <= cut);
    const lags = fired
      .map((r) => new Date(r.recorded_at).getTime() - new Date(r.due_at).getTime())
      .sort((a, b) => a - b);
    const startLags = fired
      .filter((r) => r.started_at)
      .map((r) => new Date(r.started_at!).getTime() - new Date(r.due_at).getTime())
      .sort((a, b) => a - b);
    return {
      schedules: ids.length,
      processes: options.processes,
      seconds: options.seconds,
      catchUpMs,
      firesExpected,
      jobsCreated: jobsInWindow.reduce((n, j) => n + Number(j.n), 0),
      duplicates: jobsInWindow.filter((j) => Number(j.n) > 1).length + (fired.length - seen.size),
      missing,
      notFired: runs.length - fired.length,
      fireLagP50Ms: quantile(lags, 0.5),
      fireLagP99Ms: quantile(lags, 0.99),
      fireLagMaxMs: lags.at(-1) ?? 0,
      startLagP99Ms: quantile(startLags, 0.99),
      events,
      warnings: workers.flatMap((w) => w.stderr.split('\n').filter((l) => l.startsWith('warn'))).slice(0, 5),
    };
  } finally {
    for (const w of workers) {
      w.child.kill('SIGCONT');
      w.kill('SIGKILL');
    }
    await Promise.all(workers.map((w) => w.exited));
    await sql.close();
  }
}
