// Fencing on lease takeover: a worker that stalls past its lease while another takes the job over.
//
// What the gateway guarantees (and this file proves):
// - the stalled holder's operation signal is aborted before a takeover is possible (LeaseKeeper counts the lease on
//   the local monotonic clock from the moment the claim was sent), so an upstream call it makes after the stall is
//   refused locally — the side effect happens once; reading `signal.aborted` checks the lease too, so this holds
//   even when the operation's continuation runs before the lease timer on waking;
// - a holder whose lease ran out before the operation started never calls it;
// - every write of an attempt names its claim's fencing token; a stale holder's writes are refused.
// The window that remains: a holder frozen *after* it handed its request to the upstream (or between its last signal
// check and the socket write, a few synchronous steps) cannot be called back — the upstream may then see that call
// and the takeover's call. An operation that does not check its signal before calling out is not stopped either.
// Connectors close it for upstreams with idempotency keys (the Idempotency-Key a client sends is passed down).
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { defineConnector, silentLogger } from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freeze, leaseTestConfig, operationJob, startLeaseWorker } from '../test-support/runtime/lease.js';
import { startChildWorker } from '../test-support/child-worker.js';
import { parseConfig } from '../config/index.js';
import { Gateway } from '../gateway.js';
import { MemoryJobQueue } from '../queue/memory.js';
import { startEchoUpstream, type EchoUpstream } from '../test-support/echo.js';
import { sleeperConfig, sleeperConnector } from '../test-support/runtime/sleeper-connector.js';

const servers = sharedServers();
// Long enough that the worker taking over keeps its own lease while a busy PostgreSQL answers its renewals late (at
// 300 ms a loaded CI machine lost it: the takeover attempt ended as a lost lease instead of succeeding).
const LEASE_MS = 1000;
// How long a stalled worker's event loop stays blocked: past its lease even if a renewal it sent just before the
// stall reached PostgreSQL late (a busy database extends the lease from when it runs the UPDATE, not when it was sent).
const STALL_MS = 3 * LEASE_MS;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason?: unknown) => void;
}

/** Resolvable gates per job key and attempt number, so the test decides when each attempt may call the upstream. */
function gates() {
  const entries = new Map<string, { reached: Deferred<void>; open: Deferred<void> }>();
  const of = (key: string, attempt: number) => {
    let entry = entries.get(`${key}#${attempt}`);
    if (!entry)
      entries.set(`${key}#${attempt}`, (entry = { reached: withResolvers<void>(), open: withResolvers<void>() }));
    return entry;
  };
  return { of };
}

function withResolvers<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe.skipIf(!servers.postgresUrl)('fencing when a stalled worker loses its lease', () => {
  let upstream: EchoUpstream;
  const gate = gates();
  const gated = defineConnector({
    name: 'gated',
    version: '1.0.0',
    config: z.object({ baseUrl: z.string() }),
    setup: (ctx) => ({ baseUrl: ctx.config.baseUrl }),
    operations: {
      charge: {
        description: 'Waits for the test, then makes one upstream write (the side effect).',
        idempotent: true,
        input: z.object({ key: z.string() }),
        output: z.object({ count: z.number() }),
        async run(ctx, input) {
          const g = gate.of(input.key, ctx.attempt);
          g.reached.resolve();
          await g.open.promise;
          const res = await fetch(`${(ctx.state as { baseUrl: string }).baseUrl}/put`, {
            method: 'POST',
            body: JSON.stringify({ key: input.key, value: ctx.attempt }),
            signal: ctx.signal,
          });
          return { count: ((await res.json()) as { count: number }).count };
        },
      },
    },
  });

  beforeAll(async () => {
    upstream = await startEchoUpstream();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  async function workers() {
    const config = leaseTestConfig({
      databaseUrl: await servers.freshDatabase(),
      instances: {
        g: {
          connector: 'gated',
          environment: 'development',
          config: { baseUrl: upstream.url },
          retry: { attempts: 3, delay: '10ms' },
        },
      },
    });
    const open = (name: string) =>
      startLeaseWorker({ config, connectors: { gated }, leaseMs: LEASE_MS, queue: new MemoryJobQueue() }).then((g) => {
        // The test decides who takes over and when: no takeover sweeps either.
        g.runner!.stopSweeping();
        return { name, g };
      });
    return Promise.all([open('a'), open('b')]);
  }

  /**
   * Worker `g` claims attempt 1 of a new job and is inside the operation, about to call the upstream; then it stalls
   * (GC pause, CPU starvation, a blocked event loop) for longer than its lease: nothing in this process runs.
   */
  async function stallInsideOperation(g: Gateway, name: string) {
    const id = `job_${name}_${randomUUID().slice(0, 8)}`;
    const key = `${name}-${id}`;
    await g.store.create([operationJob(id, 'g', 'charge', { key })]);
    const runA = g.runner!.handle({ jobId: id, attempt: 0 });
    await gate.of(key, 1).reached.promise;
    expect(await g.store.get(id)).toMatchObject({ status: 'active', attempts: 1 });
    freeze(STALL_MS);
    return { id, key, runA };
  }

  it('the stalled holder is stopped before its upstream call: the side effect happens once, the takeover wins', async () => {
    const [a, b] = await workers();
    try {
      const { id, key, runA } = await stallInsideOperation(a.g, 'fence');

      // The job is re-delivered to worker B (bee-queue's stall check or the reconciler in production), which takes it over.
      gate.of(key, 2).open.resolve();
      await b.g.runner!.handle({ jobId: id, attempt: 1 });
      expect(await b.g.store.get(id)).toMatchObject({
        status: 'succeeded',
        attempts: 2,
        stalls: 1,
        result: { count: expect.any(Number) },
      });

      // A wakes up and carries on with its upstream call: its signal was aborted when its lease ran out.
      gate.of(key, 1).open.resolve();
      await runA;

      const writes = upstream.writes.filter((w) => w.key === key);
      expect(writes).toEqual([{ key, value: 2 }]);
      const job = await a.g.store.get(id);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
      const attempts = await a.g.store.attempts(id);
      expect(attempts.map((x) => [x.worker, x.outcome])).toEqual([
        [a.g.runner!.workerId, 'stalled'],
        [b.g.runner!.workerId, 'succeeded'],
      ]);
    } finally {
      await Promise.all([a.g.close(), b.g.close()]);
    }
  });

  it('waking from the stall, the operation resumes before any timer has run: the signal check itself refuses', async () => {
    const [a, b] = await workers();
    try {
      const { id, key, runA } = await stallInsideOperation(a.g, 'wake');
      // The first thing to run on waking is the operation's continuation (as when an I/O callback is ready before
      // the timers phase): no lease timer has fired, so only the check on reading `signal.aborted` stands in the way.
      gate.of(key, 1).open.resolve();
      await runA;
      expect(upstream.writes.filter((w) => w.key === key)).toEqual([]);
      // Nobody had taken the job over yet, so A's token still fenced it: the attempt is recorded as cut off and retried.
      expect(await a.g.store.get(id)).toMatchObject({ status: 'retrying', error: { code: 'LEASE_LOST' } });
      gate.of(key, 2).open.resolve();
      const job = await waitFor(async () => {
        const j = await a.g.store.get(id);
        return j?.status === 'succeeded' ? j : undefined;
      }, 'the retry to succeed');
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(upstream.writes.filter((w) => w.key === key)).toEqual([{ key, value: 2 }]);
    } finally {
      await Promise.all([a.g.close(), b.g.close()]);
    }
  });

  it('writes name the claim token: a stale holder cannot succeed, fail, renew or hand back', async () => {
    const [a] = await workers();
    try {
      const store = a.g.store;
      const id = `job_token_${randomUUID().slice(0, 8)}`;
      await store.create([operationJob(id, 'g', 'charge', { key: id })]);
      // Same worker id both times (two slots of one process): only the token tells the claims apart.
      const first = await store.claim(id, 'same-worker', 1);
      if (!first.claimed) throw new Error('first claim refused');
      await new Promise((r) => setTimeout(r, 20));
      const second = await store.claim(id, 'same-worker', 60_000);
      if (!second.claimed) throw new Error('takeover refused');
      expect(second.lease.token).not.toBe(first.lease.token);
      expect(await store.heartbeat(id, first.lease, 60_000)).toBe(false);
      expect(await store.handBack(id, first.lease, 2)).toBe(false);
      expect(await store.fail(id, 2, { code: 'X', message: 'stale' }, { status: 'failed' }, first.lease)).toBe(false);
      expect(await store.succeed(id, 2, { stale: true }, first.lease)).toBe(false);
      expect(await store.heartbeat(id, second.lease, 60_000)).toBe(true);
      expect(await store.succeed(id, 2, { fresh: true }, second.lease)).toBe(true);
      expect(await store.get(id)).toMatchObject({ status: 'succeeded', result: { fresh: true } });
    } finally {
      await a.g.close();
    }
  });

  it('an expired lease is lost even when nobody took the job yet: renewing it is refused', async () => {
    const [a] = await workers();
    try {
      const store = a.g.store;
      const id = `job_expired_${randomUUID().slice(0, 8)}`;
      await store.create([operationJob(id, 'g', 'charge', { key: id })]);
      const claim = await store.claim(id, 'w', 1);
      if (!claim.claimed) throw new Error('claim refused');
      await new Promise((r) => setTimeout(r, 20));
      expect(await store.heartbeat(id, claim.lease, 60_000)).toBe(false);
    } finally {
      await a.g.close();
    }
  });
});

describe.skipIf(!servers.postgresUrl || !servers.redisUrl)('fencing across processes (bee-queue, SIGSTOP)', () => {
  let upstream: EchoUpstream;
  const children: ChildProcess[] = [];
  const gateways: Gateway[] = [];
  beforeAll(async () => {
    upstream = await startEchoUpstream();
  });
  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    for (const g of gateways.reverse()) await g.close().catch(() => undefined);
    await upstream?.close();
  });

  const until = <T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000) =>
    waitFor(check, what, { timeoutMs });

  it('a worker process frozen mid-operation past its lease: the job completes elsewhere, the frozen one never calls the upstream', async () => {
    const env = {
      redisUrl: servers.redisUrl!,
      databaseUrl: await servers.freshDatabase(),
      upstreamUrl: upstream.url,
      prefix: `rk-${randomUUID().slice(0, 8)}`,
    };
    const config = parseConfig(sleeperConfig(env), {});
    const api = await Gateway.create({
      config,
      role: 'api',
      connectors: { sleeper: sleeperConnector },
      logger: silentLogger,
    });
    gateways.push(api);
    const { child, workerId: frozenWorker } = await startChildWorker(
      'packages/gateway/src/test-support/workers/fencing.worker.ts',
      env,
    );
    children.push(child);

    // The operation sleeps 400 ms, then writes upstream; the lease is 1 s.
    const id = `job_sigstop_${randomUUID().slice(0, 8)}`;
    const key = `sigstop-${id}`;
    await api.store.create([operationJob(id, 's', 'sleepThenPut', { key, ms: 400 })]);
    await api.queue.enqueue('jobs.s', [{ jobId: id, attempt: 0 }]);
    await until(async () => (await api.store.get(id))?.status === 'active', 'the child to take the job', 10_000);
    // Frozen right inside the operation: its 400 ms timer, and its lease, run out while it cannot run.
    child.kill('SIGSTOP');

    // A second worker: bee-queue's stall check hands it the job once the frozen one's queue lock lapses, and it takes
    // the job over once the lease has run out.
    const survivor = await Gateway.create({
      config,
      role: 'worker',
      connectors: { sleeper: sleeperConnector },
      logger: silentLogger,
    });
    gateways.push(survivor);
    const done = await until(async () => {
      const j = await api.store.get(id);
      return j?.status === 'succeeded' ? j : undefined;
    }, 'the takeover to finish');
    expect(done).toMatchObject({ attempts: 2, stalls: 1 });

    // Thaw the frozen worker: on waking its operation's timer is due before (or with) its lease timer; either way the
    // upstream call it then makes reads an aborted signal.
    child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 800));
    expect(upstream.writes.filter((w) => w.key === key)).toEqual([{ key, value: expect.any(Number) }]);
    expect(upstream.writes.find((w) => w.key === key)!.value).toBe(process.pid);
    expect(await api.store.get(id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    const attempts = await api.store.attempts(id);
    expect(attempts.map((a) => [a.worker, a.outcome])).toEqual([
      [frozenWorker, 'stalled'],
      [survivor.runner!.workerId, 'succeeded'],
    ]);
  }, 60_000);
});
