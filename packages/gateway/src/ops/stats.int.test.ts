import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../test-support/ops/backends.js';
import { waitFinal, type TestGateway } from '../test-support/harness.js';

for (const backend of BACKENDS) {
  describe(`instances and time series on ${backend.name}`, () => {
    let t: TestGateway;
    let reader: string;
    beforeAll(async () => {
      t = await backend.start();
      reader = (await t.gateway.keys.create({ name: 'reader', environment: 'development', scopes: ['admin:read'] }))
        .secret;
      // 4 successes and 2 fatal failures on echo-dev, 1 success on echo-prod (another environment).
      const ids: string[] = [];
      for (let i = 0; i < 4; i++)
        ids.push((await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: `k${i}` } })).body.id);
      for (let i = 0; i < 2; i++)
        ids.push((await t.call('POST', '/v1/echo-dev/fail', { key: t.keys.dev, body: {} })).body.id);
      for (const id of ids) await waitFinal(t, id);
      const prod = await t.call('POST', '/v1/echo-prod/put', { key: t.keys.prod, body: { key: 'p' } });
      await waitFinal(t, prod.body.id, t.keys.prod);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('lists the instances of the caller’s environment with queue, circuits, health, limits and throughput', async () => {
      const res = await t.call('GET', '/v1/admin/instances', { key: reader });
      expect(res.status).toBe(200);
      expect(res.body.instances.map((i: { name: string }) => i.name)).toEqual(['echo-dev']);
      const [dev] = res.body.instances;
      expect(dev).toMatchObject({
        name: 'echo-dev',
        environment: 'development',
        connector: 'echo',
        health: { ok: expect.toSatisfy((v: unknown) => v === null || typeof v === 'boolean') },
        queue: { waiting: 0, active: 0, delayed: 0, failed: expect.any(Number) },
        rateLimit: { windows: expect.any(Array), waits: expect.any(Number) },
        throughput: {
          last5m: { finished: 6, errors: 2, errorRate: 0.3333, perMinute: 1.2 },
          last60m: { finished: 6, errors: 2, errorRate: 0.3333, perMinute: 0.1 },
        },
      });
      expect(typeof dev.circuits).toBe('object');
      expect((await t.call('GET', '/v1/admin/instances', { key: t.keys.dev })).status).toBe(403);
      expect((await t.call('GET', '/v1/admin/instances?x=1', { key: reader })).status).toBe(400);
    });

    it('gives per-bucket counts by outcome and latency percentiles for each range', async () => {
      for (const [range, buckets, seconds] of [
        ['1h', 60, 60],
        ['24h', 96, 900],
        ['7d', 84, 7200],
      ] as const) {
        const res = await t.call('GET', `/v1/admin/stats/timeseries?range=${range}`, { key: reader });
        expect(res.status, range).toBe(200);
        expect(res.body).toMatchObject({ range, bucketSeconds: seconds, instance: null });
        expect(res.body.buckets).toHaveLength(buckets);
        const sum = (field: string) => res.body.buckets.reduce((n: number, b: any) => n + b[field], 0);
        // The production job is not counted.
        expect([sum('succeeded'), sum('failed'), sum('dead')], range).toEqual([4, 2, 0]);
        const starts = res.body.buckets.map((b: any) => Date.parse(b.start));
        expect(starts[1] - starts[0]).toBe(seconds * 1000);
        expect(starts.at(-1)).toBeLessThanOrEqual(Date.now());
        const busy = res.body.buckets.filter((b: any) => b.latencyMs);
        expect(busy.length).toBeGreaterThan(0);
        for (const b of busy) {
          expect(b.latencyMs.p50).toBeGreaterThanOrEqual(0);
          expect(b.latencyMs.p50).toBeLessThanOrEqual(b.latencyMs.p95);
          expect(b.latencyMs.p95).toBeLessThanOrEqual(b.latencyMs.p99);
        }
      }
      const one = await t.call('GET', '/v1/admin/stats/timeseries?instance=echo-dev', { key: reader });
      expect(one.body.buckets.reduce((n: number, b: any) => n + b.succeeded, 0)).toBe(4);
    });

    it('counts a job waiting for its retry as retrying', async () => {
      t.upstream.failNext = 1;
      const res = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'retry-me' } });
      const job = await waitFinal(t, res.body.id);
      expect(job.status).toBe('succeeded');
      expect(job.attempts).toHaveLength(2);
      // The 20 ms retry window is too short to catch reliably on a busy machine: the job is put back in it.
      await t.gateway.sql.query(
        `UPDATE relaykit_jobs SET status = 'retrying', finished_at = NULL, updated_at = now() WHERE id = $1`,
        [res.body.id],
      );
      const series = await t.call('GET', '/v1/admin/stats/timeseries', { key: reader });
      expect(series.body.buckets.reduce((n: number, b: any) => n + b.retrying, 0)).toBe(1);
    });

    it('refuses hostile inputs with 400 and another environment’s instance with 404', async () => {
      for (const query of [
        '?range=1y',
        '?range=',
        '?range=1h&range=24h',
        '?instance=%00',
        `?instance=${'x'.repeat(500)}`,
        '?bucket=1',
      ]) {
        const res = await t.call('GET', `/v1/admin/stats/timeseries${query}`, { key: reader });
        expect(res.status, query).toBe(400);
      }
      expect((await t.call('GET', '/v1/admin/stats/timeseries?instance=echo-prod', { key: reader })).status).toBe(404);
      expect((await t.call('GET', '/v1/admin/stats/timeseries?instance=nope', { key: reader })).status).toBe(404);
      expect((await t.call('GET', '/v1/admin/stats/timeseries', { key: t.keys.dev })).status).toBe(403);
    });
  });
}
