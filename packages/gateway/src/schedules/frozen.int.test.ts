// A process frozen in the middle of a scheduling pass (it has locked schedules, not yet written their runs): the
// database ends its idle transaction after the lock timeout, another process fires those schedules, and the frozen
// one, once it wakes, writes nothing. Deterministic: the freeze is a gate inside the pass, not a signal.
import { sharedServers } from '@relaykit/testkit/vitest';
import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient, SqlExecutor } from '@relaykit/sdk-core';
import { migrate } from '../store/migrations.js';
import { postgresClient } from '../store/sql.js';
import { plainCodec, type PayloadCodec } from '../store/codec.js';
import { policyOf } from './definition.js';
import { ScheduleStore } from './store.js';

const servers = sharedServers();

/** A client whose transactions stop before writing runs until `release` is called. */
function freezing(sql: SqlClient) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached!: () => void;
  const frozen = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const client: SqlClient = {
    engine: sql.engine,
    query: (text, params) => sql.query(text, params),
    close: () => sql.close(),
    transaction: (fn) =>
      sql.transaction((tx) =>
        fn({
          query: async (text: string, params?: unknown[]) => {
            if (text.includes('INSERT INTO relaykit_schedule_runs')) {
              reached();
              await gate;
            }
            return tx.query(text, params);
          },
        } as SqlExecutor),
      ),
  };
  return { client, release, frozen };
}

describe.skipIf(!servers.postgresUrl)('a process frozen mid-pass', () => {
  let a: SqlClient;
  let b: SqlClient;
  beforeAll(async () => {
    const url = await servers.freshDatabase();
    a = postgresClient(url, { max: 2 });
    b = postgresClient(url, { max: 2 });
    await migrate(a);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('loses its locks after the timeout; another process fires each time once', async () => {
    const T0 = Date.parse('2026-03-01T10:00:00Z');
    const setup = new ScheduleStore(a);
    for (const id of ['f1', 'f2'])
      await setup.create(
        {
          id,
          source: 'api',
          name: id,
          instance: 'echo-dev',
          environment: 'development',
          operation: 'put',
          input: { key: id },
          timing: { cron: null, every: 1000, timeZone: 'UTC' },
          policy: policyOf({ overlap: 'allow' }),
        },
        new Date(T0),
      );
    const now = new Date(T0 + 1000);
    const frozenA = freezing(a);
    const storeA = new ScheduleStore(frozenA.client);
    const storeB = new ScheduleStore(b);
    const pass = (store: ScheduleStore) =>
      store.fireDue({ instances: ['echo-dev'], maxAttempts: () => 1, now, lockTimeoutMs: 500 });

    const passA = pass(storeA).then(
      (r) => ({ ok: true as const, r }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await frozenA.frozen;
    // While A holds the rows, B skips them.
    expect((await pass(storeB)).schedules).toBe(0);
    // A's idle transaction is ended by the database; B then fires both schedules.
    const fired = await waitFor(
      async () => {
        const r = await pass(storeB);
        return r.jobs.length ? r : undefined;
      },
      'the other process to take the frozen one over',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(fired.jobs.map((j) => j.scheduleId).sort()).toEqual(['f1', 'f2']);
    frozenA.release();
    const resultA = await passA;
    expect(resultA.ok).toBe(false);
    const { rows } = await b.query<{ n: string }>('SELECT count(*) AS n FROM relaykit_jobs');
    expect(Number(rows[0]!.n)).toBe(2);
    const runs = await b.query<{ n: string }>('SELECT count(*) AS n FROM relaykit_schedule_runs');
    expect(Number(runs.rows[0]!.n)).toBe(2);
  }, 60_000);

  /** A codec whose reads of schedule inputs wait for `gate` (a process busy or frozen while it works out the fires). */
  const slowCodec = (gate: () => Promise<void>): PayloadCodec => ({
    ...plainCodec,
    decode: async (text, context) => {
      if (context.endsWith(':schedule-input')) await gate();
      return plainCodec.decode(text, context);
    },
  });

  const createEvery = async (sql: SqlClient, instance: string, ids: string[], at: number) => {
    const setup = new ScheduleStore(sql);
    for (const id of ids)
      await setup.create(
        {
          id,
          source: 'api',
          name: id,
          instance,
          environment: 'development',
          operation: 'put',
          input: { key: id },
          timing: { cron: null, every: 1000, timeZone: 'UTC' },
          policy: policyOf({ overlap: 'allow' }),
        },
        new Date(at),
      );
  };

  it('fires though working out the fires takes longer than the lock timeout (a busy process)', async () => {
    // Before claims, the pass held its row locks in an open transaction while it worked: a busy event loop made
    // that transaction idle past the timeout, PostgreSQL ended it, and the pass failed — every pass, once behind.
    const T0 = Date.parse('2026-04-01T10:00:00Z');
    await createEvery(a, 'busy-dev', ['busy1', 'busy2'], T0);
    const slow = new ScheduleStore(
      a,
      slowCodec(() => new Promise((r) => setTimeout(r, 400))),
    );
    const result = await slow.fireDue({
      instances: ['busy-dev'],
      maxAttempts: () => 1,
      now: new Date(T0 + 1000),
      lockTimeoutMs: 200,
    });
    expect(result.jobs.map((j) => j.scheduleId).sort()).toEqual(['busy1', 'busy2']);
    const { rows } = await b.query<{ n: string }>(
      "SELECT count(*) AS n FROM relaykit_schedule_runs WHERE schedule_id LIKE 'busy%' AND outcome = 'fired'",
    );
    expect(Number(rows[0]!.n)).toBe(2);
  }, 60_000);

  it('a pass frozen after claiming loses the schedules when the claim runs out and writes nothing later', async () => {
    const T0 = Date.parse('2026-05-01T10:00:00Z');
    await createEvery(a, 'claim-dev', ['claim1', 'claim2'], T0);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let reached!: () => void;
    const frozen = new Promise<void>((r) => {
      reached = r;
    });
    const storeA = new ScheduleStore(
      a,
      slowCodec(() => {
        reached();
        return gate;
      }),
    );
    const storeB = new ScheduleStore(b);
    const now = new Date(T0 + 1000);
    const pass = (store: ScheduleStore) =>
      store.fireDue({ instances: ['claim-dev'], maxAttempts: () => 1, now, lockTimeoutMs: 500 });
    const passA = pass(storeA);
    await frozen;
    // A holds the claim: B takes nothing until it runs out, then fires both.
    const fired = await waitFor(
      async () => {
        const r = await pass(storeB);
        return r.jobs.length ? r : undefined;
      },
      'the claim to run out and the other process to fire',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(fired.jobs.map((j) => j.scheduleId).sort()).toEqual(['claim1', 'claim2']);
    release();
    const resultA = await passA;
    expect(resultA.jobs).toEqual([]);
    const { rows } = await b.query<{ n: string }>(
      "SELECT count(*) AS n FROM relaykit_jobs WHERE dedupe_key LIKE 'schedule:claim%'",
    );
    expect(Number(rows[0]!.n)).toBe(2);
  }, 60_000);
});
