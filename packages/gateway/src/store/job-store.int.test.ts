import { randomUUID } from 'node:crypto';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from './job-store.js';
import { migrate } from './migrations.js';
import { openSql, type SqlClient } from './sql.js';
import type { NewJob } from './types.js';

const servers = sharedServers();

/** Counts statements, to prove concurrent calls share them (group commit). */
function counting(inner: SqlClient): SqlClient & { texts: string[] } {
  const texts: string[] = [];
  return {
    texts,
    engine: inner.engine,
    query: (text: string, params?: unknown[]) => {
      texts.push(text);
      return inner.query(text, params);
    },
    transaction: (fn) => inner.transaction(fn),
    close: () => inner.close(),
  } as SqlClient & { texts: string[] };
}

const engines = [
  { engine: 'PGlite', available: true, open: () => openSql({}) },
  {
    engine: 'PostgreSQL',
    available: Boolean(servers.postgresUrl),
    open: async () => openSql({ url: await servers.freshDatabase() }),
  },
];

const job = (over: Partial<NewJob> = {}): NewJob => ({
  id: `job_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
  kind: 'operation',
  environment: 'dev',
  instance: 'i',
  operation: 'op',
  input: { n: 1 },
  maxAttempts: 3,
  ...over,
});

describe.each(engines)('JobStore group commit on $engine', ({ available, open }) => {
  let sql: SqlClient & { texts: string[] };
  let store: JobStore;
  beforeAll(async () => {
    if (!available) return;
    sql = counting(await open());
    await migrate(sql);
    store = new JobStore(sql);
  });
  afterAll(async () => {
    await sql?.close();
  });

  it.skipIf(!available)('concurrent creates share one INSERT, and each caller learns its own outcome', async () => {
    const before = sql.texts.length;
    const calls = Array.from({ length: 20 }, (_, i) => (i === 5 ? [job(), job(), job()] : [job()]));
    const results = await Promise.all(calls.map((jobs) => store.create(jobs)));
    expect(results.map((r) => r.length)).toEqual(calls.map((c) => c.length));
    for (const [i, r] of results.entries()) expect(r).toEqual(calls[i]!.map((j) => ({ id: j.id, duplicate: false })));
    const inserts = sql.texts.slice(before).filter((t) => t.includes('INSERT INTO relaykit_jobs'));
    expect(inserts.length).toBeLessThan(5);
    for (const call of calls)
      for (const j of call)
        expect(await store.get(j.id)).toMatchObject({ id: j.id, status: 'queued', input: { n: 1 } });
  });

  it.skipIf(!available)(
    'dedupe keys: the first wins, within one grouped statement and against older rows',
    async () => {
      const key = `evt-${randomUUID()}`;
      const [a, b] = [job({ dedupeKey: key }), job({ dedupeKey: key })];
      const [ra, rb] = await Promise.all([store.create([a]), store.create([b])]);
      expect(ra).toEqual([{ id: a.id, duplicate: false }]);
      expect(rb).toEqual([{ id: a.id, duplicate: true }]);
      const c = job({ dedupeKey: key });
      expect(await store.create([c])).toEqual([{ id: a.id, duplicate: true }]);
      expect(await store.get(b.id)).toBeUndefined();
    },
  );

  it.skipIf(!available)('the same job claimed twice at once: exactly one claim wins', async () => {
    const j = job();
    await store.create([j]);
    const claims = await Promise.all([
      store.claim(j.id, 'w1', 60_000),
      store.claim(j.id, 'w2', 60_000),
      store.claim(j.id, 'w3', 60_000),
    ]);
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    expect(claims.filter((c) => !c.claimed).map((c) => !c.claimed && c.reason)).toEqual(['held', 'held']);
    const winner = claims.find((c) => c.claimed)!;
    if (!winner.claimed) throw new Error('unreachable');
    expect(await store.get(j.id)).toMatchObject({ status: 'active', attempts: 1 });
    expect(await store.succeed(j.id, 1, { ok: true }, winner.lease)).toBe(true);
  });

  it.skipIf(!available)('grouped claims and successes keep each job to its own outcome', async () => {
    const jobs = Array.from({ length: 30 }, () => job());
    await store.create(jobs);
    const missing = `job_missing_${randomUUID().slice(0, 8)}`;
    const claims = await Promise.all([
      ...jobs.map((j) => store.claim(j.id, 'w', 60_000)),
      store.claim(missing, 'w', 60_000),
    ]);
    expect(claims.slice(0, 30).every((c) => c.claimed)).toBe(true);
    expect(claims[30]).toEqual({ claimed: false, reason: 'missing' });
    const done = await Promise.all(
      jobs.map((j, i) => {
        const c = claims[i]!;
        if (!c.claimed) throw new Error('unreachable');
        // Every third write names a wrong token: refused, while the others in the same statement commit.
        return store.succeed(j.id, 1, { i }, i % 3 === 0 ? { worker: 'w', token: 'stale' } : c.lease);
      }),
    );
    expect(done).toEqual(jobs.map((_, i) => i % 3 !== 0));
    expect(await store.get(jobs[1]!.id)).toMatchObject({ status: 'succeeded', result: { i: 1 } });
    expect(await store.get(jobs[0]!.id)).toMatchObject({ status: 'active', result: null });
    expect((await store.attempts(jobs[1]!.id)).map((a) => a.outcome)).toEqual(['succeeded']);
  });

  it.skipIf(!available)('a finished or not-yet-due job is not claimed, with the reason', async () => {
    const [j, later] = [job(), job()];
    await store.create([j, later]);
    const c = await store.claim(j.id, 'w', 60_000);
    if (!c.claimed) throw new Error('claim refused');
    await store.succeed(j.id, 1, null, c.lease);
    expect(await store.claim(j.id, 'w', 60_000)).toMatchObject({ claimed: false, reason: 'finished' });
    const c2 = await store.claim(later.id, 'w', 60_000);
    if (!c2.claimed) throw new Error('claim refused');
    await store.fail(
      later.id,
      1,
      { code: 'X', message: 'again' },
      { status: 'retrying', runAfter: new Date(Date.now() + 60_000) },
      c2.lease,
    );
    expect(await store.claim(later.id, 'w', 60_000)).toMatchObject({ claimed: false, reason: 'not_due' });
  });
});
