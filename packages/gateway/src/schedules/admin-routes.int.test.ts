// The console's schedule routes (`/v1/admin/schedules…`): viewers read, operators act, each in its own environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFinal, type TestGateway } from '../test-support/harness.js';
import { policyOf } from './definition.js';

describe('operator routes for schedules', () => {
  let t: TestGateway;
  let viewer: string;
  let operator: string;
  let prodOperator: string;
  let id: string;
  beforeAll(async () => {
    t = await startTestGateway();
    const key = async (name: string, environment: string, scopes: string[]) =>
      (await t.gateway.keys.create({ name, environment, scopes })).secret;
    viewer = await key('viewer', 'development', ['admin:read']);
    operator = await key('operator', 'development', ['admin:read', 'admin:operate']);
    prodOperator = await key('prod-operator', 'production', ['admin:read', 'admin:operate']);
    const created = await t.call('POST', '/v1/schedules', {
      key: t.keys.dev,
      body: { instance: 'echo-dev', operation: 'put', name: 'yearly', input: { key: 'yearly' }, cron: '0 0 1 1 *' },
    });
    expect(created.status).toBe(201);
    id = created.body.id;
    await t.gateway.schedules.store.create({
      id: 'sch_declared_prod',
      source: 'config',
      name: 'prod-declared',
      instance: 'echo-prod',
      environment: 'production',
      operation: 'put',
      input: {},
      timing: { cron: '0 0 1 1 *', every: null, timeZone: 'UTC' },
      policy: policyOf({}),
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('lets a viewer read its environment’s schedules with their next fire times, and nothing else', async () => {
    const list = await t.call('GET', '/v1/admin/schedules', { key: viewer });
    expect(list.status).toBe(200);
    expect(list.body.schedules.map((s: { name: string }) => s.name)).toEqual(['yearly']);
    expect(list.body.schedules[0].next).toHaveLength(3);
    const one = await t.call('GET', `/v1/admin/schedules/${id}?next=7`, { key: viewer });
    expect(one.body.next).toHaveLength(7);
    expect(one.body.links.runs).toBe(`/v1/admin/schedules/${id}/runs`);
    expect((await t.call('GET', '/v1/admin/schedules/sch_declared_prod', { key: viewer })).status).toBe(404);
    for (const action of ['pause', 'resume', 'run']) {
      const refused = await t.call('POST', `/v1/admin/schedules/${id}/${action}`, { key: viewer });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'FORBIDDEN_SCOPE', required: 'admin:operate' });
    }
    expect((await t.call('DELETE', `/v1/admin/schedules/${id}`, { key: viewer })).status).toBe(403);
  });

  it('lets an operator pause, resume and run now; the run is in the history, linked to its job', async () => {
    const paused = await t.call('POST', `/v1/admin/schedules/${id}/pause`, { key: operator });
    expect(paused.body).toMatchObject({ paused: true, next: [] });
    const resumed = await t.call('POST', `/v1/admin/schedules/${id}/resume`, { key: operator });
    expect(resumed.body.paused).toBe(false);
    expect(resumed.body.next).toHaveLength(3);
    const run = await t.call('POST', `/v1/admin/schedules/${id}/run`, { key: operator });
    expect(run.status).toBe(202);
    expect(run.body.links.self).toBe(`/v1/admin/jobs/${run.body.id}`);
    expect((await waitFinal(t, run.body.id)).status).toBe('succeeded');
    const runs = await t.call('GET', `/v1/admin/schedules/${id}/runs`, { key: viewer });
    expect(runs.body.runs[0]).toMatchObject({ outcome: 'manual', jobId: run.body.id, jobStatus: 'succeeded' });
    expect(runs.body.runs[0].lagMs).toEqual(expect.any(Number));
    const after = await t.call('GET', `/v1/admin/schedules/${id}`, { key: viewer });
    expect(after.body).toMatchObject({ lastOutcome: 'manual', lastJob: { id: run.body.id, status: 'succeeded' } });
  });

  it('refuses to delete a declared schedule (409) and deletes one made through the API', async () => {
    const declared = await t.call('DELETE', '/v1/admin/schedules/sch_declared_prod', { key: prodOperator });
    expect(declared.status).toBe(409);
    expect(declared.body.code).toBe('SCHEDULE_DECLARED');
    expect((await t.call('DELETE', `/v1/admin/schedules/${id}`, { key: prodOperator })).status).toBe(404);
    expect((await t.call('DELETE', `/v1/admin/schedules/${id}`, { key: operator })).status).toBe(200);
    expect((await t.call('GET', `/v1/admin/schedules/${id}`, { key: operator })).status).toBe(404);
  });
});
