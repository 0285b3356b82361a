import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { startRedis, type RedisServer, waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@relaykit/sdk-core';
import { parseConfig } from './config/index.js';
import { Gateway, type GatewayRole } from './gateway.js';
import { echoConnector, signEcho, startEchoUpstream, type EchoUpstream } from './test-support/echo.js';
import { startServerGateway, waitFinal, type TestGateway } from './test-support/harness.js';
import { operationJob } from './test-support/runtime/lease.js';
import { startChildWorker } from './test-support/child-worker.js';

const servers = sharedServers();
const enabled = Boolean(servers.redisUrl && servers.postgresUrl);

function configFor(redisUrl: string, databaseUrl: string, upstreamUrl: string, prefix: string) {
  return parseConfig(
    {
      server: { port: 0, shutdownTimeout: '2s' },
      redis: { url: redisUrl, prefix },
      database: { url: databaseUrl },
      jobs: { stallInterval: '1s', reconcileInterval: '1s', stallLimit: 2 },
      apiKeys: { rateLimits: [{ limit: 10_000, window: '1s' }] },
      environments: ['development'],
      instances: {
        'echo-dev': {
          connector: 'echo',
          environment: 'development',
          config: { baseUrl: upstreamUrl },
          concurrency: 2,
          retry: { attempts: 3, delay: '20ms' },
        },
      },
    },
    {},
  );
}

const started: Array<{ close(): Promise<void> }> = [];
async function gatewayFor(role: GatewayRole, config: ReturnType<typeof configFor>) {
  const g = await Gateway.create({ config, role, connectors: { echo: echoConnector }, logger: silentLogger });
  started.push(g);
  return g;
}

const until = <T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> =>
  waitFor(fn, what, { timeoutMs, intervalMs: 50 });

describe.skipIf(!enabled)('gateway on real Redis (bee-queue) and PostgreSQL', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startServerGateway();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('uses PostgreSQL and bee-queue, and runs submit → process → result', async () => {
    expect(t.gateway.describeEngines()).toMatch(/PostgreSQL.*bee-queue/);
    const ready = await t.call('GET', '/readyz', { key: t.keys.dev });
    expect(ready.body.checks).toMatchObject({
      database: { ok: true, engine: 'postgresql' },
      queue: { ok: true, engine: 'bee-queue' },
    });
    const res = await t.call('POST', '/v1/echo-dev/put?wait=5s', { key: t.keys.dev, body: { key: 'pg', value: 1 } });
    expect(res).toMatchObject({ status: 200, body: { status: 'succeeded', result: { stored: 'pg' } } });
  });

  it('retries through delayed bee-queue jobs', async () => {
    t.upstream.failNext = 2;
    const res = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'pg-flaky' } });
    const job = await waitFinal(t, res.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed', 'succeeded']);
  });

  it('saves a batch with saveAll and processes every job', async () => {
    const res = await t.call('POST', '/v1/jobs/batch', {
      key: t.keys.dev,
      body: {
        jobs: Array.from({ length: 50 }, (_, i) => ({
          instance: 'echo-dev',
          operation: 'put',
          input: { key: `pgb${i}` },
        })),
      },
    });
    expect(res.status).toBe(202);
    for (const job of res.body.jobs) expect((await waitFinal(t, job.id)).status).toBe('succeeded');
  });

  it('idempotent replays write upstream once', async () => {
    const headers = { 'idempotency-key': `k-${randomUUID()}` };
    const a = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'pg-idem' }, headers });
    const b = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'pg-idem' }, headers });
    expect(b.body.id).toBe(a.body.id);
    await waitFinal(t, a.body.id);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.upstream.writes.filter((w) => w.key === 'pg-idem')).toHaveLength(1);
  });

  it('a webhook delivered twice is processed once', async () => {
    const body = JSON.stringify({
      events: [
        { id: 'pg-evt', text: 'x' },
        { id: 'pg-evt-2', text: 'y' },
      ],
    });
    const headers = { 'x-signature': signEcho(body), 'content-type': 'application/json' };
    const [first, second] = await Promise.all([
      t.call('POST', '/v1/webhooks/echo-dev', { raw: body, headers }),
      t.call('POST', '/v1/webhooks/echo-dev', { raw: body, headers }),
    ]);
    expect(first!.status).toBe(200);
    expect(second!.status).toBe(200);
    expect(first!.body.duplicates + second!.body.duplicates).toBe(2);
    for (const id of first!.body.jobs)
      await until(async () => (await t.gateway.store.get(id))?.status === 'succeeded', 10_000, 'webhook job');
    expect(t.upstream.writes.filter((w) => w.key === 'event:pg-evt')).toHaveLength(1);
    expect(t.upstream.writes.filter((w) => w.key === 'event:pg-evt-2')).toHaveLength(1);
  });
});

describe.skipIf(!enabled)('jobs are never lost', () => {
  let upstream: EchoUpstream;
  const children: ChildProcess[] = [];
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    upstream = await startEchoUpstream();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const g of started.splice(0).reverse()) await g.close().catch(() => undefined);
  });
  afterAll(async () => {
    await upstream?.close();
    await redis?.stop();
  });

  it('a worker killed with SIGKILL mid-job: the job completes on another worker', async () => {
    const prefix = `rk-${randomUUID().slice(0, 8)}`;
    const config = configFor(servers.redisUrl!, await servers.freshDatabase(), upstream.url, prefix);
    const api = await gatewayFor('api', config);
    const { child, workerId: childWorker } = await startChildWorker(
      'packages/gateway/src/test-support/workers/gateway.worker.ts',
      { redisUrl: servers.redisUrl!, databaseUrl: config.database.url!, upstreamUrl: upstream.url, prefix },
    );
    children.push(child);

    const id = `job_sigkill_${randomUUID().slice(0, 8)}`;
    await api.store.create([operationJob(id, 'echo-dev', 'slow', { ms: 1500 })]);
    await api.queue.enqueue('jobs.echo-dev', [{ jobId: id, attempt: 0 }]);
    await until(
      async () => {
        const j = await api.store.get(id);
        return j?.status === 'active';
      },
      10_000,
      'the child to take the job',
    );
    child.kill('SIGKILL');

    const survivor = await gatewayFor('worker', config);
    const job = await until(
      async () => {
        const j = await api.store.get(id);
        return j && ['succeeded', 'failed', 'dead'].includes(j.status) ? j : undefined;
      },
      20_000,
      'the job to finish on the survivor',
    );
    expect(job.status).toBe('succeeded');
    expect(job.stalls).toBe(1);
    const attempts = await api.store.attempts(id);
    expect(attempts.map((a) => a.outcome)).toEqual(['stalled', 'succeeded']);
    expect(attempts[0]!.worker).toBe(childWorker);
    expect(attempts[1]!.worker).toBe(survivor.runner!.workerId);
  }, 60_000);

  it('past the stall limit a job is dead with the reason', async () => {
    const config = configFor(
      servers.redisUrl!,
      await servers.freshDatabase(),
      upstream.url,
      `rk-${randomUUID().slice(0, 8)}`,
    );
    const worker = await gatewayFor('worker', config);
    const id = `job_stall_${randomUUID().slice(0, 8)}`;
    await worker.store.create([operationJob(id, 'echo-dev', 'put', { key: 'never' })]);
    // Three workers died holding it (the limit is 2): simulate by claiming with short leases.
    for (let i = 0; i < 3; i++) {
      const claim = await worker.store.claim(id, `ghost-${i}`, 1);
      expect(claim.claimed).toBe(true);
      await new Promise((r) => setTimeout(r, 10));
    }
    await worker.runner!.handle({ jobId: id, attempt: 3 });
    const job = await worker.store.get(id);
    expect(job).toMatchObject({ status: 'dead', stalls: 3, error: { code: 'STALL_LIMIT' } });
    expect(upstream.writes.some((w) => w.key === 'never')).toBe(false);
  });

  it('a worker that lost its lease cannot overwrite the run that took the job over', async () => {
    const config = configFor(
      servers.redisUrl!,
      await servers.freshDatabase(),
      upstream.url,
      `rk-${randomUUID().slice(0, 8)}`,
    );
    const api = await gatewayFor('api', config);
    const id = `job_lease_${randomUUID().slice(0, 8)}`;
    await api.store.create([operationJob(id, 'echo-dev', 'put', { key: 'l' })]);
    expect((await api.store.claim(id, 'slow-worker', 1)).claimed).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    const takeover = await api.store.claim(id, 'fast-worker', 60_000);
    expect(takeover).toMatchObject({ claimed: true, stalled: true });
    expect(await api.store.succeed(id, 1, { stale: true }, 'slow-worker')).toBe(false);
    expect(await api.store.succeed(id, 2, { fresh: true }, 'fast-worker')).toBe(true);
    expect(await api.store.get(id)).toMatchObject({ status: 'succeeded', result: { fresh: true }, stalls: 1 });
    expect((await api.store.attempts(id)).map((a) => [a.worker, a.outcome])).toEqual([
      ['slow-worker', 'stalled'],
      ['fast-worker', 'succeeded'],
    ]);
  });

  it('Redis restarted without persistence: the reconciler finishes every accepted job', async () => {
    redis = await startRedis();
    // Slow enough (2 at a time, 150 ms each) that most jobs are still queued when Redis restarts.
    upstream.delayMs = 150;
    const config = configFor(redis.url, await servers.freshDatabase(), upstream.url, `rk-${randomUUID().slice(0, 8)}`);
    const api = await gatewayFor('api', config);
    const worker = await gatewayFor('worker', config);
    const { secret } = await api.keys.create({ name: 't', environment: 'development', scopes: ['*'] });
    const url = await api.listen(0, '127.0.0.1');
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${url}/v1/echo-dev/put`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key: `lost${i}` }),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    await redis.restart();
    await until(
      async () => {
        const jobs = await Promise.all(ids.map((id) => api.store.get(id)));
        return jobs.every((j) => j?.status === 'succeeded');
      },
      30_000,
      'every accepted job to succeed after the Redis restart',
    );
    for (let i = 0; i < 30; i++) expect(upstream.writes.some((w) => w.key === `lost${i}`)).toBe(true);
    // The restart lost queued messages; the reconciler is what sent them again.
    expect((await worker.metrics.reconciled.get()).values[0]?.value ?? 0).toBeGreaterThan(0);
    upstream.delayMs = 0;
  }, 60_000);
});

describe.skipIf(!enabled)('encryption at rest', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startServerGateway({
      encryption: { key: Buffer.alloc(32, 7).toString('base64') },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores payloads and results sealed (AES-256-GCM, bound to the job) and serves them in clear', async () => {
    expect(t.gateway.describeEngines()).toContain('payload encryption: on');
    const res = await t.call('POST', '/v1/echo-dev/put?wait=5s', {
      key: t.keys.dev,
      body: { key: 'secret-key-name', value: 'card 4111' },
    });
    expect(res.body).toMatchObject({ status: 'succeeded', result: { stored: 'secret-key-name' } });
    const { rows } = await t.gateway.sql.query<{ input: string; result: string }>(
      'SELECT input, result FROM relaykit_jobs WHERE id = $1',
      [res.body.id],
    );
    expect(rows[0]!.input).toMatch(/^enc:rk1\./);
    expect(rows[0]!.result).toMatch(/^enc:rk1\./);
    expect(rows[0]!.input + rows[0]!.result).not.toContain('secret-key-name');
    // An envelope moved to another job's row does not open there.
    const other = await t.call('POST', '/v1/echo-dev/put?wait=5s', { key: t.keys.dev, body: { key: 'other' } });
    await t.gateway.sql.query('UPDATE relaykit_jobs SET input = $1 WHERE id = $2', [rows[0]!.input, other.body.id]);
    await expect(t.gateway.store.get(other.body.id)).rejects.toThrow();
  });

  it('keeps no phone number, e-mail or secret in clear in the audit and idempotency tables either', async () => {
    const phone = '+9779841234567';
    const email = 'sara.rahimi@example.org';
    const body = {
      key: phone,
      email,
      value: { password: 'hunter2-secret', note: `call ${phone} or write to ${email}` },
    };
    const headers = { 'idempotency-key': `pii-${randomUUID()}` };
    // A ?wait= answer quotes the result (here the phone number): it is the stored idempotent response.
    const first = await t.call('POST', '/v1/echo-dev/put?wait=5s', { key: t.keys.dev, body, headers });
    expect(first).toMatchObject({ status: 200, body: { result: { stored: phone } } });
    const replay = await t.call('POST', '/v1/echo-dev/put?wait=5s', { key: t.keys.dev, body, headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    await t.gateway.audit.flush();
    for (const table of ['relaykit_audit', 'relaykit_idempotency']) {
      const { rows } = await t.gateway.sql.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`);
      expect(rows.length, table).toBeGreaterThan(0);
      const text = rows.map((r) => r.row).join('\n');
      for (const clear of ['9779841234567', '984123', 'sara.rahimi', 'hunter2'])
        expect(text, `${table} holds "${clear}"`).not.toContain(clear);
    }
    const { rows } = await t.gateway.sql.query<{ result: unknown }>(
      'SELECT result FROM relaykit_idempotency WHERE key = $1',
      [headers['idempotency-key']],
    );
    expect(rows[0]!.result).toMatch(/^enc:rk1\./);
    // The gateway reads its own audit trail back (masked, then sealed).
    const entry = (await t.gateway.audit.recent(20)).find((e) => e.jobId === first.body.id);
    expect(entry?.payload).toMatchObject({ email: '***@example.org', value: { password: '[REDACTED]' } });
    expect(JSON.stringify(entry?.payload)).not.toContain('9779841234567');
  });
});

describe.skipIf(!enabled)('graceful shutdown', () => {
  let upstream: EchoUpstream;
  beforeAll(async () => {
    upstream = await startEchoUpstream();
  });
  afterAll(async () => {
    for (const g of started.splice(0).reverse()) await g.close().catch(() => undefined);
    await upstream?.close();
  });

  it('hands a job still running at the deadline back, and another worker finishes it', async () => {
    const config = configFor(
      servers.redisUrl!,
      await servers.freshDatabase(),
      upstream.url,
      `rk-${randomUUID().slice(0, 8)}`,
    );
    config.server.shutdownTimeout = 200;
    const first = await Gateway.create({
      config,
      role: 'worker',
      connectors: { echo: echoConnector },
      logger: silentLogger,
    });
    const id = `job_shutdown_${randomUUID().slice(0, 8)}`;
    await first.store.create([operationJob(id, 'echo-dev', 'slow', { ms: 1500 })]);
    await first.queue.enqueue('jobs.echo-dev', [{ jobId: id, attempt: 0 }]);
    await until(async () => (await first.store.get(id))?.status === 'active', 10_000, 'the job to start');
    const t0 = Date.now();
    await first.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    const sql = (await import('./store/sql.js')).postgresClient(config.database.url!);
    try {
      const { rows } = await sql.query<{ status: string; attempts: number }>(
        'SELECT status, attempts FROM relaykit_jobs WHERE id = $1',
        [id],
      );
      expect(rows[0]).toMatchObject({ status: 'retrying', attempts: 0 });
    } finally {
      await sql.close();
    }
    const second = await gatewayFor('worker', config);
    const job = await until(
      async () => {
        const j = await second.store.get(id);
        return j?.status === 'succeeded' ? j : undefined;
      },
      15_000,
      'the handed-back job to finish',
    );
    expect(job.attempts).toBe(1);
    expect((await second.store.attempts(id)).map((a) => a.outcome)).toEqual(['succeeded']);
  }, 60_000);
});

describe.skipIf(!enabled)('per-key rate limits on Redis, scopes and environments', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startServerGateway({
      apiKeys: { rateLimits: [{ limit: 2, window: '1m' }] },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses in problem+json: other environment, out of scope, then over the limit with Retry-After', async () => {
    const env = await t.call('POST', '/v1/echo-prod/put', { key: t.keys.dev, body: { key: 'x' } });
    expect(env).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_ENVIRONMENT', type: '/docs#problem-FORBIDDEN_ENVIRONMENT' },
    });
    expect(env.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const scope = await t.call('POST', '/v1/echo-dev/slow', { key: t.keys.narrow, body: { ms: 1 } });
    expect(scope).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_SCOPE' } });
    // The refused call counted: one unit is left for this key.
    expect((await t.call('POST', '/v1/echo-dev/put', { key: t.keys.narrow, body: { key: 'y' } })).status).toBe(202);
    const limited = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.narrow, body: { key: 'y' } });
    expect(limited).toMatchObject({ status: 429, body: { code: 'RATE_LIMIT_EXCEEDED' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
  });
});
