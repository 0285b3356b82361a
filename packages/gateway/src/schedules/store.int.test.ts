// Policies and exactly-once of the schedule store on the embedded database, with an injected clock (no sleeps).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobStore } from '../store/job-store.js';
import { migrate } from '../store/migrations.js';
import { pgliteClient, type SqlClient } from '../store/sql.js';
import { policyOf, type SchedulePolicy } from './definition.js';
import { ScheduleStore, type ScheduleSpec } from './store.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const S = 1000;
const M = 60_000;

let sql: SqlClient;
let store: ScheduleStore;
let jobs: JobStore;

// One embedded database for the file (starting PGlite is the slow part); each test starts from empty tables.
beforeAll(async () => {
  sql = await pgliteClient('memory://');
  await migrate(sql);
  store = new ScheduleStore(sql);
  jobs = new JobStore(sql);
});
beforeEach(async () => {
  await sql.query('TRUNCATE relaykit_schedules, relaykit_schedule_runs, relaykit_jobs CASCADE');
});
afterAll(async () => {
  await sql.close();
});

function spec(id: string, timing: Partial<ScheduleSpec['timing']>, policy: Partial<SchedulePolicy> = {}): ScheduleSpec {
  return {
    id,
    source: 'api',
    name: id,
    instance: 'echo-dev',
    environment: 'development',
    operation: 'put',
    input: { key: `${id}-{{fireAt}}` },
    timing: { cron: null, every: null, timeZone: 'UTC', ...timing },
    policy: policyOf(policy),
  };
}

const fire = (now: Date) => store.fireDue({ instances: ['echo-dev'], maxAttempts: () => 3, now });

async function jobCount(): Promise<number> {
  const { rows } = await sql.query<{ n: string }>('SELECT count(*) AS n FROM relaykit_jobs');
  return Number(rows[0]!.n);
}

async function runsOf(id: string) {
  return (await store.runs(id, 5000)).reverse();
}

describe('exactly once per fire time', () => {
  it('each second of a one-second cron makes one job, however often and concurrently passes run', async () => {
    await store.create(spec('s1', { cron: '* * * * * *' }, { overlap: 'allow' }), at(0));
    for (let t = 1; t <= 10; t++) {
      // Three "processes" pass at the same instant, one of them twice.
      await Promise.all([fire(at(t * S + 20)), fire(at(t * S + 20)), fire(at(t * S + 25))]);
      await fire(at(t * S + 30));
    }
    const runs = await runsOf('s1');
    expect(runs.map((r) => r.fireAt)).toEqual(Array.from({ length: 10 }, (_, i) => at((i + 1) * S).toISOString()));
    expect(runs.every((r) => r.outcome === 'fired' && r.jobId)).toBe(true);
    expect(await jobCount()).toBe(10);
    // The job carries the rendered input and a dedupe key naming its fire time.
    const job = await jobs.get(runs[0]!.jobId!);
    expect(job?.input).toEqual({ key: `s1-${at(S).toISOString()}` });
    expect(job?.status).toBe('queued');
  });

  it('a fire time whose run row exists creates no second job (the unique key holds even without the lock)', async () => {
    await store.create(spec('s2', { cron: '* * * * * *' }, { overlap: 'allow' }), at(0));
    await fire(at(1 * S + 10));
    // Rewind the cursor as a process with a stale view would have it.
    await sql.query(`UPDATE relaykit_schedules SET next_fire_at = $1, due_at = $1 WHERE id = 's2'`, [at(S)]);
    const again = await fire(at(1 * S + 20));
    expect(again.jobs).toEqual([]);
    expect(await jobCount()).toBe(1);
  });

  it('a clock a few seconds off neither repeats nor loses a fire time', async () => {
    await store.create(spec('s3', { cron: '* * * * * *' }, { overlap: 'allow' }), at(0));
    // Process A runs 3 s fast, process B 2 s slow; they alternate.
    await fire(at(5 * S + 3 * S));
    await fire(at(6 * S - 2 * S));
    await fire(at(9 * S + 3 * S));
    await fire(at(10 * S - 2 * S));
    await fire(at(12 * S));
    const fired = (await runsOf('s3')).map((r) => r.fireAt);
    expect(fired).toEqual(Array.from({ length: 12 }, (_, i) => at((i + 1) * S).toISOString()));
    expect(new Set(fired).size).toBe(fired.length);
  });
});

describe('overlap policies', () => {
  it('skip: no new job while the last one is queued or running', async () => {
    await store.create(spec('o1', { every: 10 * S }, { overlap: 'skip' }), at(0));
    const first = await fire(at(10 * S));
    expect(first.jobs).toHaveLength(1);
    await fire(at(20 * S)); // queued: skipped
    const claim = await jobs.claim(first.jobs[0]!.jobId, 'w1', 60_000);
    expect(claim.claimed).toBe(true);
    await fire(at(30 * S)); // active: skipped
    if (claim.claimed) await jobs.succeed(first.jobs[0]!.jobId, 1, { ok: true }, claim.lease);
    await fire(at(40 * S)); // done: fires
    expect((await runsOf('o1')).map((r) => r.outcome)).toEqual([
      'fired',
      'skipped_overlap',
      'skipped_overlap',
      'fired',
    ]);
  });

  it('queue: one fire is held while the job runs and goes when it ends; more fires are skipped', async () => {
    await store.create(spec('o2', { every: 10 * S }, { overlap: 'queue' }), at(0));
    const first = await fire(at(10 * S));
    const claim = await jobs.claim(first.jobs[0]!.jobId, 'w1', 60_000);
    await fire(at(20 * S)); // held
    expect((await store.get('o2'))?.pendingFireAt).toBe(at(20 * S).toISOString());
    await fire(at(30 * S)); // one is already held: skipped
    await fire(at(31 * S)); // still running: nothing
    if (claim.claimed) await jobs.succeed(first.jobs[0]!.jobId, 1, { ok: true }, claim.lease);
    const held = await fire(at(32 * S));
    expect(held.jobs.map((j) => j.fireAt.toISOString())).toEqual([at(20 * S).toISOString()]);
    const runs = await runsOf('o2');
    expect(runs.map((r) => [r.fireAt, r.outcome])).toEqual([
      [at(10 * S).toISOString(), 'fired'],
      [at(20 * S).toISOString(), 'fired'],
      [at(30 * S).toISOString(), 'skipped_overlap'],
    ]);
    expect((await store.get('o2'))?.pendingFireAt).toBeNull();
  });

  it('allow: every fire makes a job', async () => {
    await store.create(spec('o3', { every: 10 * S }, { overlap: 'allow' }), at(0));
    await fire(at(10 * S));
    await fire(at(20 * S));
    expect((await runsOf('o3')).map((r) => r.outcome)).toEqual(['fired', 'fired']);
  });
});

describe('missed runs after 10 minutes of downtime', () => {
  // A one-minute cron, last fired at 10:00; the gateway comes back at 10:10:30. 10:10 is on time (30 s late,
  // within the 1-minute grace); 10:01..10:09 were missed.
  async function outage(policy: Partial<SchedulePolicy>) {
    await store.create(spec('m', { cron: '* * * * *' }, { overlap: 'allow', ...policy }), at(-30 * S));
    await fire(at(0));
    const pass = await fire(at(10 * M + 30 * S));
    const runs = (await runsOf('m')).slice(1);
    const by = (outcome: string) =>
      runs.filter((r) => r.outcome === outcome).map((r) => (Date.parse(r.fireAt) - T0) / M);
    return { pass, fired: by('fired'), missed: by('missed'), expired: by('expired') };
  }

  it('skip: only the on-time fire runs; the missed ones are recorded', async () => {
    const r = await outage({ missed: 'skip' });
    expect(r.fired).toEqual([10]);
    expect(r.missed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('once: one run for all the missed fires (the latest), plus the on-time one', async () => {
    const r = await outage({ missed: 'once' });
    expect(r.fired).toEqual([9, 10]);
    expect(r.missed).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('catch-up to N: the N latest missed fires run, oldest first', async () => {
    const r = await outage({ missed: 'catch-up', catchUpLimit: 3 });
    expect(r.fired).toEqual([7, 8, 9, 10]);
    expect(r.missed).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.pass.jobs.map((j) => (j.fireAt.getTime() - T0) / M)).toEqual([7, 8, 9, 10]);
  });

  it('deadline: fires later than it are dropped and recorded as expired, whatever the missed policy', async () => {
    const r = await outage({ missed: 'catch-up', catchUpLimit: 20, deadline: 5 * M });
    expect(r.expired).toEqual([1, 2, 3, 4, 5]);
    expect(r.fired).toEqual([6, 7, 8, 9, 10]);
    expect(r.missed).toEqual([]);
  });

  it('the cursor moves past the outage: the next pass fires only new times', async () => {
    await outage({ missed: 'skip' });
    const next = await fire(at(11 * M + 1 * S));
    expect(next.jobs.map((j) => (j.fireAt.getTime() - T0) / M)).toEqual([11]);
  });
});

describe('jitter, pause, run now and declared schedules', () => {
  it('jitter delays each fire by a stable amount within the bound', async () => {
    await store.create(spec('j', { every: M }, { jitter: 30 * S, overlap: 'allow' }), at(0));
    const s = await store.get('j');
    const runs = async () => runsOf('j');
    await fire(at(M - 1));
    expect(await runs()).toHaveLength(0);
    await fire(at(M + 30 * S));
    const [run] = await runs();
    expect(run!.fireAt).toBe(at(M).toISOString());
    const jitter = Date.parse(run!.dueAt) - Date.parse(run!.fireAt);
    expect(jitter).toBeGreaterThanOrEqual(0);
    expect(jitter).toBeLessThanOrEqual(30 * S);
    expect(s?.nextFireAt).toBe(at(M).toISOString());
  });

  it('a paused schedule does not fire; resuming does not catch up the paused fires', async () => {
    await store.create(spec('p', { every: 10 * S }, { overlap: 'allow', missed: 'catch-up' }), at(0));
    await store.setPaused('p', true, at(1 * S));
    await fire(at(60 * S));
    expect(await runsOf('p')).toHaveLength(0);
    await store.setPaused('p', false, at(65 * S));
    expect((await store.get('p'))?.nextFireAt).toBe(at(70 * S).toISOString());
    await fire(at(70 * S));
    expect((await runsOf('p')).map((r) => r.fireAt)).toEqual([at(70 * S).toISOString()]);
  });

  it('run now makes one manual job whatever the overlap policy', async () => {
    await store.create(spec('r', { every: M }, { overlap: 'skip' }), at(0));
    const a = await store.runNow('r', 3);
    const b = await store.runNow('r', 3);
    expect(a?.jobId).not.toBe(b?.jobId);
    expect((await runsOf('r')).map((x) => x.outcome)).toEqual(['manual', 'manual']);
    expect((await store.get('r'))?.lastJobId).toBe(b?.jobId);
  });

  it('declared schedules keep their cursor across a restart and re-base it when the timing changes', async () => {
    const declared = { ...spec('echo-dev.sync', { every: M }), source: 'config' as const };
    await store.syncDeclared([declared], ['echo-dev'], at(0));
    await fire(at(M));
    // A restart 5 minutes later: the cursor stays at 2 min, so the missed-run policy sees the gap.
    await store.syncDeclared([declared], ['echo-dev'], at(5 * M));
    expect((await store.get('echo-dev.sync'))?.nextFireAt).toBe(at(2 * M).toISOString());
    // The timing changed: the next fire is the new timing's first after now.
    await store.syncDeclared([{ ...declared, timing: { ...declared.timing, every: 10 * M } }], ['echo-dev'], at(5 * M));
    expect((await store.get('echo-dev.sync'))?.nextFireAt).toBe(at(10 * M).toISOString());
    // Gone from the configuration: deleted; schedules made through the API stay.
    await store.create(spec('api-one', { every: M }), at(0));
    await store.syncDeclared([], ['echo-dev'], at(6 * M));
    expect(await store.get('echo-dev.sync')).toBeUndefined();
    expect(await store.get('api-one')).toBeDefined();
  });
});

describe('run history retention', () => {
  it('deletes run rows older than the retention, keeps the rest and the jobs', async () => {
    await store.create(spec('old', { every: S }, { overlap: 'allow' }), at(0));
    await fire(at(3 * S));
    await sql.query(`UPDATE relaykit_schedule_runs SET recorded_at = now() - interval '8 days' WHERE fire_at <= $1`, [
      at(2 * S),
    ]);
    expect(await store.pruneRuns(7 * 86_400_000)).toBe(2);
    expect((await runsOf('old')).map((r) => r.fireAt)).toEqual([at(3 * S).toISOString()]);
    expect(await jobCount()).toBe(3);
  });
});

describe('a long outage on a frequent schedule', () => {
  it('records the oldest missed fire times as one summary row and runs by the policy', async () => {
    await store.create(spec('long', { every: S }, { overlap: 'allow', missed: 'once', grace: S }), at(0));
    const pass = await fire(at(3600 * S + 500));
    expect(pass.jobs.map((j) => (j.fireAt.getTime() - T0) / S)).toEqual([3599, 3600]);
    const runs = await runsOf('long');
    const summary = runs.find((r) => r.detail?.reason === 'outage');
    const listed = runs.filter((r) => r.outcome === 'missed' && !r.detail?.reason).length;
    expect(Number(summary?.detail?.count) + listed + 2).toBe(3600);
    expect(await jobCount()).toBe(2);
  });
});
