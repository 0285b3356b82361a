import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJobId } from '../http/jobs.js';
import { type TestGateway, waitFinal } from '../test-support/harness.js';
import { BulkRetryView, JobDetailView, JobPage } from './job-schemas.js';
import { BACKENDS, operatorKeys } from '../test-support/ops/backends.js';

describe.each(BACKENDS)('operator API: jobs ($name)', (backend) => {
  let t: TestGateway;
  let keys: Awaited<ReturnType<typeof operatorKeys>>;
  beforeAll(async () => {
    t = await backend.start();
    keys = await operatorKeys(t);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Records jobs straight in the store (not enqueued: the listing tests need no worker). */
  const record = async (count: number, operation = 'put', environment = 'development') => {
    const jobs = Array.from({ length: count }, (_, i) => ({
      id: newJobId(),
      kind: 'operation' as const,
      environment,
      instance: environment === 'development' ? 'echo-dev' : 'echo-prod',
      operation,
      input: { key: `k${i}` },
      maxAttempts: 3,
    }));
    await t.gateway.store.create(jobs);
    return jobs.map((j) => j.id);
  };

  const submit = async (operation: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await t.call('POST', `/v1/echo-dev/${operation}`, { key: t.keys.dev, body, headers });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };

  it('pages through every job once while jobs are inserted between pages', async () => {
    const existing = new Set(await record(23));
    // and a few more in separate statements, so both ties (one statement shares its now()) and order are covered
    for (const id of await record(2)) existing.add(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.call('GET', `/v1/admin/jobs?limit=7&operation=put${cursor ? `&cursor=${cursor}` : ''}`, {
        key: keys.viewer,
      });
      expect(res.status).toBe(200);
      JobPage.parse(res.body); // the answer is what the document says
      expect(res.body.jobs.length).toBeLessThanOrEqual(7);
      seen.push(...res.body.jobs.map((j: { id: string }) => j.id));
      cursor = res.body.nextCursor;
      await record(3); // newer rows arrive while the reader pages
      pages++;
    } while (cursor && pages < 100);
    expect(new Set(seen).size).toBe(seen.length); // nothing twice
    for (const id of existing) expect(seen).toContain(id); // nothing skipped
  });

  it('filters by status, operation, error code, idempotency key, time and free text taken literally', async () => {
    const failed = await submit('fail', { reason: '100%_sure' }, { 'idempotency-key': 'idem-filter-1' });
    await waitFinal(t, failed);
    const other = await submit('fail', { reason: 'plain' });
    await waitFinal(t, other);
    const get = async (query: string) => {
      const res = await t.call('GET', `/v1/admin/jobs?${query}`, { key: keys.viewer });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.jobs.map((j: { id: string }) => j.id) as string[];
    };
    expect(await get('status=failed&operation=fail')).toEqual(expect.arrayContaining([failed, other]));
    expect(await get('status=failed,dead&status=succeeded&operation=fail')).toContain(failed);
    expect(await get('status=succeeded&operation=fail')).toEqual([]);
    expect(await get('errorCode=UPSTREAM_REJECTED&operation=fail')).toEqual(expect.arrayContaining([failed, other]));
    expect(await get('idempotencyKey=idem-filter-1')).toEqual([failed]);
    // % and _ are literal: "100%_sure" finds one job, "0%" does not match "plain"
    expect(await get(`q=${encodeURIComponent('100%_SURE')}`)).toEqual([failed]);
    expect(await get(`q=${encodeURIComponent('%')}&operation=fail`)).toEqual([failed]);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(await get(`from=${encodeURIComponent(later)}`)).toEqual([]);
    expect(await get(`to=${encodeURIComponent(later)}&idempotencyKey=idem-filter-1`)).toEqual([failed]);
    const listed = await t.call('GET', '/v1/admin/jobs?idempotencyKey=idem-filter-1', { key: keys.viewer });
    expect(listed.body.jobs[0]).toMatchObject({
      id: failed,
      instance: 'echo-dev',
      operation: 'fail',
      status: 'failed',
      attemptCount: 1,
      error: { code: 'UPSTREAM_REJECTED' },
      idempotencyKey: 'idem-filter-1',
    });
    expect(listed.body.jobs[0]).not.toHaveProperty('input');
  });

  it('shows a job with its attempts, input masked; ?reveal=true needs admin:reveal and is audited', async () => {
    const id = await submit('put', { key: 'masked', email: 'jane.doe@example.com', value: 'call +44 20 7946 0958' });
    await waitFinal(t, id);
    const masked = await t.call('GET', `/v1/admin/jobs/${id}`, { key: keys.viewer });
    expect(masked.status).toBe(200);
    JobDetailView.parse(masked.body);
    expect(masked.body).toMatchObject({ id, status: 'succeeded', masked: true, attemptCount: 1 });
    expect(JSON.stringify(masked.body.input)).not.toContain('jane.doe');
    expect(JSON.stringify(masked.body.input)).not.toContain('7946');
    expect(masked.body.input.key).toBe('masked');
    expect(masked.body.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'succeeded',
        durationMs: expect.any(Number),
        upstreamStatus: null,
      }),
    ]);
    const refused = await t.call('GET', `/v1/admin/jobs/${id}?reveal=true`, { key: keys.viewer });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN_SCOPE', required: 'admin:reveal' });
    const clear = await t.call('GET', `/v1/admin/jobs/${id}?reveal=true`, { key: keys.admin });
    expect(clear.status).toBe(200);
    expect(clear.body).toMatchObject({ masked: false, input: { email: 'jane.doe@example.com' } });
    const audit = await waitFor(
      async () =>
        (await t.gateway.audit.recent(50)).find(
          (e) =>
            e.jobId === id &&
            e.operation === 'admin:admin.jobs.get' &&
            e.status === 200 &&
            (e.payload as { reveal?: boolean })?.reveal,
        ),
      'the audit record of the reveal',
    );
    expect(audit.path).toBe(`/v1/admin/jobs/${id}`);
  });

  it('cancels a queued job, which then never runs; 409 when it is no longer cancellable', async () => {
    const [id] = await record(1);
    const cancelled = await t.call('POST', `/v1/admin/jobs/${id}/cancel`, { key: keys.operator });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ id, status: 'cancelled' });
    // Whatever delivers it now (the reconciler, a stale queue message, a direct delivery), it is not run.
    await t.gateway.reconciler.runOnce(0);
    await t.gateway.runner!.handle({ jobId: id!, attempt: 0 });
    const job = await t.gateway.store.get(id!);
    expect(job).toMatchObject({ status: 'cancelled', attempts: 0, error: { code: 'CANCELLED' } });
    expect(await t.gateway.store.attempts(id!)).toEqual([]);
    const again = await t.call('POST', `/v1/admin/jobs/${id}/cancel`, { key: keys.operator });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'NOT_CANCELLABLE', status: 'cancelled' });
    expect((await t.call('GET', `/v1/jobs/${id}`, { key: t.keys.dev })).body.status).toBe('cancelled');
  });

  it('cancels a delayed job before it is due; the queue’s delayed message is then dropped', async () => {
    const res = await t.call('POST', '/v1/echo-dev/put?delay=1h', { key: t.keys.dev, body: { key: 'later' } });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    expect((await t.call('POST', `/v1/admin/jobs/${id}/cancel`, { key: keys.operator })).body).toEqual({
      id,
      status: 'cancelled',
    });
    await t.gateway.runner!.handle({ jobId: id, attempt: 0 });
    expect(await t.gateway.store.get(id)).toMatchObject({ status: 'cancelled', attempts: 0, runAfter: null });
  });

  it('retries a dead job with a fresh attempt budget, keeping its attempt history; 409 for a succeeded one', async () => {
    // The upstream's failures are shared: wait until the jobs other tests recorded have run.
    await waitFor(
      async () =>
        (await t.call('GET', '/v1/admin/jobs?status=queued,retrying,active', { key: keys.viewer })).body.jobs.length ===
        0,
      'no open job',
    );
    t.upstream.failNext = 3;
    const id = await submit('put', { key: 'retry-me' });
    const dead = await waitFinal(t, id);
    expect(dead).toMatchObject({ status: 'dead', attemptCount: 3 });
    // One more failure after the retry: a fresh budget retries it instead of declaring it dead again at once.
    t.upstream.failNext = 1;
    const retried = await t.call('POST', `/v1/admin/jobs/${id}/retry`, { key: keys.operator });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ id, status: 'queued' });
    const done = await waitFinal(t, id);
    expect(done).toMatchObject({ status: 'succeeded', attemptCount: 5 });
    const detail = await t.call('GET', `/v1/admin/jobs/${id}`, { key: keys.viewer });
    expect(detail.body.attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
      'succeeded',
    ]);
    expect(detail.body.retriedFromAttempt).toBe(3);
    const notAgain = await t.call('POST', `/v1/admin/jobs/${id}/retry`, { key: keys.operator });
    expect(notAgain.status).toBe(409);
    expect(notAgain.body).toMatchObject({ code: 'NOT_RETRYABLE', status: 'succeeded' });
  });

  it('bulk-retries failed jobs matching a filter, counting first with a dry run', async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await submit('fail', { reason: `bulk-${i}-marker` }));
    for (const id of ids) await waitFinal(t, id);
    const filter = { status: ['failed'], operation: 'fail', q: 'marker' };
    const dry = await t.call('POST', '/v1/admin/jobs/retry', { key: keys.operator, body: { filter, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({ matched: 4, retried: 0, dryRun: true });
    BulkRetryView.parse(dry.body);
    expect((await t.gateway.store.get(ids[0]!))?.status).toBe('failed');
    const run = await t.call('POST', '/v1/admin/jobs/retry', { key: keys.operator, body: { filter } });
    expect(run.body).toEqual({ matched: 4, retried: 4, dryRun: false });
    for (const id of ids) expect(await waitFinal(t, id)).toMatchObject({ status: 'failed', attemptCount: 2 });
    // a filter on statuses that cannot be retried matches nothing
    const none = await t.call('POST', '/v1/admin/jobs/retry', {
      key: keys.operator,
      body: { filter: { status: ['succeeded'] } },
    });
    expect(none.body).toEqual({ matched: 0, retried: 0, dryRun: false });
  });

  it('keeps each environment to itself: another environment’s job is a 404, its filter a 403', async () => {
    const [devJob] = await record(1);
    const [prodJob] = await record(1, 'put', 'production');
    expect((await t.call('GET', `/v1/admin/jobs/${devJob}`, { key: keys.prodAdmin })).status).toBe(404);
    expect((await t.call('POST', `/v1/admin/jobs/${devJob}/cancel`, { key: keys.prodAdmin })).status).toBe(404);
    expect((await t.call('POST', `/v1/admin/jobs/${devJob}/retry`, { key: keys.prodAdmin })).status).toBe(404);
    const prodList = await t.call('GET', '/v1/admin/jobs?limit=200', { key: keys.prodAdmin });
    expect(prodList.body.jobs.map((j: { id: string }) => j.id)).toContain(prodJob);
    expect(prodList.body.jobs.every((j: { environment: string }) => j.environment === 'production')).toBe(true);
    const other = await t.call('GET', '/v1/admin/jobs?environment=development', { key: keys.prodAdmin });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('FORBIDDEN_ENVIRONMENT');
  });
});
