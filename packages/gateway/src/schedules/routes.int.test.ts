// The operator API over a real gateway (embedded database, in-memory queue, real scheduler loop and workers),
// the schedules declared in the configuration, and delayed jobs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { silentLogger } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { isConfigError } from '../errors/index.js';
import { Gateway } from '../gateway.js';
import { echoConnector, startEchoUpstream, type EchoUpstream } from '../test-support/echo.js';
import { startTestGateway, waitFinal, type TestGateway } from '../test-support/harness.js';

describe('operator API /v1/schedules', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('previews fire times before saving, in the time zone given', async () => {
    const res = await t.call('POST', '/v1/schedules/preview', {
      key: t.keys.narrow,
      body: { cron: '30 7 * * 0-5', timeZone: 'Asia/Kathmandu', count: 3, after: '2026-03-06T12:00:00Z' },
    });
    expect(res.status).toBe(200);
    expect(res.body.next).toEqual(['2026-03-08T01:45:00.000Z', '2026-03-09T01:45:00.000Z', '2026-03-10T01:45:00.000Z']);
  });

  it('refuses bad input with problem+json and every field listed', async () => {
    const bad = await t.call('POST', '/v1/schedules', {
      key: t.keys.dev,
      body: { instance: 'echo-dev', operation: 'put', cron: 'not a cron', timeZone: 'Mars/Base', input: {} },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('VALIDATION');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['input.key', 'timeZone']);
    const unknownField = await t.call('POST', '/v1/schedules', {
      key: t.keys.dev,
      body: { instance: 'echo-dev', operation: 'put', every: '1m', whenever: true },
    });
    expect(unknownField.status).toBe(400);
    const noInstance = await t.call('POST', '/v1/schedules', {
      key: t.keys.dev,
      body: { instance: 'nope', operation: 'put', every: '1m' },
    });
    expect(noInstance.status).toBe(400);
    expect(noInstance.body.errors[0].path).toBe('instance');
    const malformed = await t.call('POST', '/v1/schedules/preview', {
      key: t.keys.dev,
      raw: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    expect((await t.call('GET', '/v1/schedules')).status).toBe(401);
  });

  it('only an operator key (scope "*" in the environment) changes schedules', async () => {
    const body = { instance: 'echo-dev', operation: 'put', every: '1m', input: { key: 'x' } };
    const narrow = await t.call('POST', '/v1/schedules', { key: t.keys.narrow, body });
    expect(narrow.status).toBe(403);
    expect(narrow.body.code).toBe('FORBIDDEN_SCOPE');
    const prod = await t.call('POST', '/v1/schedules', { key: t.keys.prod, body });
    expect(prod.status).toBe(403);
    expect(prod.body.code).toBe('FORBIDDEN_ENVIRONMENT');
  });

  it('creates a schedule that fires jobs, with run history, lag, pause, resume, run now, update and delete', async () => {
    const created = await t.call('POST', '/v1/schedules', {
      key: t.keys.dev,
      body: {
        instance: 'echo-dev',
        operation: 'put',
        name: 'every-second',
        every: '1s',
        input: { key: 'tick-{{fireAt}}' },
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.next).toHaveLength(3);
    expect(created.headers.get('location')).toBe(`/v1/schedules/${id}`);

    const runs = await waitFor(
      async () => {
        const r = await t.call('GET', `/v1/schedules/${id}/runs`, { key: t.keys.dev });
        const done = r.body.runs.filter((x: { jobStatus: string }) => x.jobStatus === 'succeeded');
        return done.length >= 2 ? r.body.runs : undefined;
      },
      'two scheduled jobs to succeed',
      { timeoutMs: 30_000 },
    );
    const run = runs.find((x: { jobStatus: string }) => x.jobStatus === 'succeeded');
    expect(run.outcome).toBe('fired');
    expect(typeof run.lagMs).toBe('number');
    const job = await t.call('GET', `/v1/jobs/${run.jobId}`, { key: t.keys.dev });
    expect(job.body.result).toBeDefined();

    // Visible to a key that may reach the instance, not to another environment's.
    const listed = await t.call('GET', '/v1/schedules', { key: t.keys.narrow });
    expect(listed.body.schedules.map((s: { id: string }) => s.id)).toContain(id);
    const mine = listed.body.schedules.find((s: { id: string }) => s.id === id);
    // The schedule keeps firing: its last job is one of its own runs, fired no earlier than the one checked above.
    const history = (await t.call('GET', `/v1/schedules/${id}/runs`, { key: t.keys.dev })).body.runs as Array<{
      jobId: string;
      dueAt: string;
    }>;
    const last = history.find((x) => x.jobId === mine.lastJob.id);
    expect(last).toBeDefined();
    expect(Date.parse(last!.dueAt)).toBeGreaterThanOrEqual(Date.parse(run.dueAt));
    const other = await t.call('GET', '/v1/schedules', { key: t.keys.prod });
    expect(other.body.schedules.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await t.call('GET', `/v1/schedules/${id}`, { key: t.keys.prod })).status).toBe(404);

    const paused = await t.call('POST', `/v1/schedules/${id}/pause`, { key: t.keys.dev });
    expect(paused.body.paused).toBe(true);
    expect(paused.body.next).toEqual([]);
    const resumed = await t.call('POST', `/v1/schedules/${id}/resume`, { key: t.keys.dev });
    expect(resumed.body.paused).toBe(false);

    const now = await t.call('POST', `/v1/schedules/${id}/run`, { key: t.keys.dev });
    expect(now.status).toBe(202);
    expect((await waitFinal(t, now.body.id)).status).toBe('succeeded');

    const patched = await t.call('PATCH', `/v1/schedules/${id}`, {
      key: t.keys.dev,
      body: { cron: '0 9 * * 1-5', timeZone: 'America/New_York', overlap: 'allow', deadline: '10m' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.cron).toBe('0 9 * * 1-5');
    expect(patched.body.everyMs).toBeNull();
    expect(patched.body.policy).toMatchObject({ overlap: 'allow', deadlineMs: 600_000 });

    expect((await t.call('DELETE', `/v1/schedules/${id}`, { key: t.keys.dev })).status).toBe(204);
    expect((await t.call('GET', `/v1/schedules/${id}`, { key: t.keys.dev })).status).toBe(404);
  }, 60_000);

  it('documents the routes in a valid OpenAPI document', async () => {
    // With a key: the document names the instances it reaches (the generic one names none).
    const doc = (await t.call('GET', '/openapi.json', { key: t.keys.dev })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/schedules',
        '/v1/schedules/{id}',
        '/v1/schedules/{id}/runs',
        '/v1/schedules/preview',
      ]),
    );
    const submit = doc.paths['/v1/echo-dev/put'].post.parameters.map((p: { name: string }) => p.name);
    expect(submit).toEqual(expect.arrayContaining(['wait', 'delay', 'runAt']));
    await SwaggerParser.validate(structuredClone(doc) as never);
  });
});

describe('delayed jobs: POST /v1/{instance}/{operation}?delay= or ?runAt=', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('records the job at once and runs it when due', async () => {
    const res = await t.call('POST', '/v1/echo-dev/put?delay=1500ms', { key: t.keys.dev, body: { key: 'later' } });
    expect(res.status).toBe(202);
    const runAt = Date.parse(res.body.runAt);
    const queued = await t.call('GET', `/v1/jobs/${res.body.id}`, { key: t.keys.dev });
    expect(queued.body.status).toBe('queued');
    expect(queued.body.nextAttemptAt).toBe(res.body.runAt);
    const done = await waitFinal(t, res.body.id, t.keys.dev, 30_000);
    expect(done.status).toBe('succeeded');
    expect(Date.parse(done.attempts[0].startedAt)).toBeGreaterThanOrEqual(runAt - 50);
  }, 40_000);

  it('refuses unreadable, doubled or far-off times', async () => {
    for (const query of ['delay=soon', 'runAt=tomorrow', 'runAt=2026-01-01T00:00:00Z&delay=1s', 'delay=400d']) {
      const res = await t.call('POST', `/v1/echo-dev/put?${query}`, { key: t.keys.dev, body: { key: 'x' } });
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('VALIDATION');
    }
  });
});

describe('schedules declared in the configuration and by connectors', () => {
  let upstream: EchoUpstream;
  let dir: string;
  beforeAll(async () => {
    upstream = await startEchoUpstream();
    dir = mkdtempSync(join(tmpdir(), 'relaykit-sched-'));
  });
  afterAll(async () => {
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const configWith = (schedules: Record<string, unknown>, dataDir = 'memory://') =>
    parseConfig(
      {
        database: { dataDir },
        jobs: { stallInterval: '1s', reconcileInterval: '500ms' },
        environments: ['development'],
        instances: {
          'echo-dev': {
            connector: 'echo',
            environment: 'development',
            config: { baseUrl: upstream.url },
            schedules,
          },
        },
      },
      {},
    );

  it('reports every bad schedule by path at start-up', async () => {
    const error = await Gateway.create({
      config: configWith({
        a: { operation: 'nope', every: '1m' },
        b: { operation: 'put', cron: '61 * * * *', input: { key: 'k' } },
        c: { operation: 'put', every: '1m', input: {} },
      }),
      connectors: { echo: echoConnector },
      logger: silentLogger,
    }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    const paths = (error as { problems: Array<{ path: string }> }).problems.map((p) => p.path).sort();
    expect(paths).toEqual([
      'instances.echo-dev.schedules.a.operation',
      'instances.echo-dev.schedules.b.cron',
      'instances.echo-dev.schedules.c.input.key',
    ]);
  });

  it('runs a configured schedule, shows it in the API as declared, and a delayed job survives a restart', async () => {
    const config = configWith({ beat: { operation: 'put', every: '1s', input: { key: 'beat-{{fireAt}}' } } }, dir);
    const open = () => Gateway.create({ config, connectors: { echo: echoConnector }, logger: silentLogger });
    let gateway = await open();
    try {
      const url = await gateway.listen(0, '127.0.0.1');
      const { secret } = await gateway.keys.create({ name: 'op', environment: 'development', scopes: ['*'] });
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any) };
      };
      const list = await call('GET', '/v1/schedules');
      expect(list.body.schedules).toMatchObject([{ id: 'echo-dev.beat', source: 'config', everyMs: 1000 }]);
      await waitFor(() => upstream.writes.some((w) => w.key.startsWith('beat-')), 'a configured fire', {
        timeoutMs: 30_000,
      });
      const patch = await call('PATCH', '/v1/schedules/echo-dev.beat', { every: '5s' });
      expect(patch.status).toBe(409);
      expect(patch.body.code).toBe('SCHEDULE_DECLARED');
      expect((await call('POST', '/v1/schedules/echo-dev.beat/pause')).body.paused).toBe(true);

      // A job delayed past a restart: recorded now, lost from the in-memory queue by the restart, run when due.
      const delayed = await call('POST', '/v1/echo-dev/put?delay=2s', { key: 'after-restart' });
      expect(delayed.status).toBe(202);
      await gateway.close();
      gateway = await open();
      // The pause survived the restart.
      expect((await gateway.schedules.store.get('echo-dev.beat'))?.paused).toBe(true);
      const job = await waitFor(
        async () => {
          const j = await gateway.store.get(delayed.body.id);
          return j?.status === 'succeeded' ? j : undefined;
        },
        'the delayed job to run after the restart',
        { timeoutMs: 30_000 },
      );
      expect(Date.parse(job.startedAt!)).toBeGreaterThanOrEqual(Date.parse(delayed.body.runAt) - 50);
      expect(upstream.writes.filter((w) => w.key === 'after-restart')).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  }, 90_000);
});
