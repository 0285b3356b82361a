import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIdempotencyKey,
  createRelaykitClient,
  isRelaykitApiError,
  isRelaykitWaitTimeoutError,
  type RelaykitApiError,
  type RelaykitClient,
} from './index.js';
import { startClientTestGateway, type ClientTestGateway } from './test-support/gateway.js';

/** The operations of the test gateway's instances, as a user would type theirs. */
type Ops = {
  'sf-demo': {
    upsert: {
      input: { sobject: string; externalIdField: string; externalId: string; fields: Record<string, unknown> };
      output: { id?: string; created: boolean };
    };
    get: { input: { sobject: string; id: string }; output: { record: Record<string, unknown> } };
  };
  'sf-down': { get: { input: { sobject: string; id: string }; output: { record: Record<string, unknown> } } };
};

let t: ClientTestGateway;
let client: RelaykitClient<Ops>;

beforeAll(async () => {
  t = await startClientTestGateway();
  client = createRelaykitClient<Ops>({ baseUrl: t.url, apiKey: t.apiKey });
});
afterAll(async () => {
  await t?.close();
});

const contact = (externalId = `C-${randomUUID().slice(0, 8)}`) => ({
  sobject: 'Contact',
  externalIdField: 'Ext__c',
  externalId,
  fields: { LastName: 'Okafor', Email: `${externalId.toLowerCase()}@example.org` },
});

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('submit', () => {
  it('with wait: the finished job comes back with its typed result', async () => {
    const input = contact();
    const job = await client.submit('sf-demo', 'upsert', input, { wait: '10s' });
    expect(job).toMatchObject({ status: 'succeeded', instance: 'sf-demo', operation: 'upsert' });
    if (job.status !== 'succeeded') throw new Error('not finished');
    const created: boolean | undefined = job.result?.created;
    expect(created).toBe(true);
    expect(t.org.ledger.countsByExternalId('Contact').get(input.externalId)).toBe(1);
  });

  it('without wait: accepted (queued), then waitForJob polls it to success', async () => {
    const accepted = await client.submit('sf-demo', 'upsert', contact());
    expect(accepted).toMatchObject({ status: 'queued', links: { self: `/v1/jobs/${accepted.id}` } });
    const job = await client.waitForJob<{ created: boolean }>(accepted.id, { pollMs: 50, timeoutMs: 15_000 });
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ id: expect.any(String), created: true });
    expect(job.attempts.at(-1)?.outcome).toBe('succeeded');
  });

  it('replays an Idempotency-Key: the same job, one write upstream; another body with it is IDEMPOTENCY_MISMATCH', async () => {
    const input = contact();
    const idempotencyKey = createIdempotencyKey();
    const first = await client.submit('sf-demo', 'upsert', input, { idempotencyKey, wait: 10_000 });
    const again = await client.submit('sf-demo', 'upsert', input, { idempotencyKey, wait: 10_000 });
    expect(again.id).toBe(first.id);
    expect(again.status).toBe('succeeded');
    expect(t.org.ledger.countsByExternalId('Contact').get(input.externalId)).toBe(1);

    const mismatch = (await rejection(
      client.submit('sf-demo', 'upsert', { ...input, fields: { LastName: 'Other' } }, { idempotencyKey }),
    )) as RelaykitApiError;
    expect(isRelaykitApiError(mismatch)).toBe(true);
    expect(mismatch).toMatchObject({ status: 422, code: 'IDEMPOTENCY_MISMATCH' });
  });

  it('run(): submits and resolves to the final job', async () => {
    const job = await client.run('sf-demo', 'upsert', contact(), { wait: 0, pollMs: 50 });
    expect(job.status).toBe('succeeded');
    expect(job.result?.created).toBe(true);
  });
});

describe('problem+json answers are typed RelaykitApiErrors', () => {
  it('400 VALIDATION carries each failing field, the title and the whole problem', async () => {
    const error = await rejection(
      client.submit('sf-demo', 'upsert', { sobject: '', externalIdField: 'Ext__c' } as never),
    );
    expect(isRelaykitApiError(error)).toBe(true);
    if (!isRelaykitApiError(error)) return;
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'RelaykitApiError', status: 400, code: 'VALIDATION' });
    expect(error.title).toEqual(expect.any(String));
    expect(error.problem).toMatchObject({
      status: 400,
      code: 'VALIDATION',
      type: expect.stringContaining('VALIDATION'),
    });
    const paths = (error.problem.errors ?? []).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['sobject', 'externalId', 'fields']));
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('404 NOT_FOUND for an unknown instance or job, 401 UNAUTHENTICATED for a bad key', async () => {
    const unknown = createRelaykitClient({ baseUrl: t.url, apiKey: t.apiKey });
    await expect(unknown.submit('nosuch', 'upsert', {})).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(client.getJob('job_doesnotexist')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const anonymous = createRelaykitClient({ baseUrl: t.url, apiKey: `rk_000000000000_${'x'.repeat(43)}` });
    const error = await rejection(anonymous.getJob('job_x'));
    expect(isRelaykitApiError(error) && error.code).toBe('UNAUTHENTICATED');
    await expect(
      anonymous.submitBatch([{ instance: 'sf-demo', operation: 'upsert', input: contact() }]),
    ).rejects.toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
  });

  it('a batch is all or nothing: one bad job is a 400 naming it', async () => {
    const error = await rejection(
      client.submitBatch([
        { instance: 'sf-demo', operation: 'upsert', input: contact() },
        { instance: 'sf-demo', operation: 'nosuch', input: {} },
      ]),
    );
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION' });
    const accepted = await client.submitBatch(
      [
        { instance: 'sf-demo', operation: 'upsert', input: contact() },
        { instance: 'sf-demo', operation: 'upsert', input: contact() },
      ],
      { idempotencyKey: createIdempotencyKey() },
    );
    expect(accepted).toHaveLength(2);
    for (const job of accepted) expect((await client.waitForJob(job.id, { pollMs: 50 })).status).toBe('succeeded');
  });
});

describe('waitForJob', () => {
  it('polls a failing job to its failure (resolved, with the error)', async () => {
    const accepted = await client.submit('sf-demo', 'get', { sobject: 'Contact', id: '003000000000099ZZZ' });
    const job = await client.waitForJob(accepted.id, { pollMs: 50, timeoutMs: 15_000 });
    expect(['failed', 'dead']).toContain(job.status);
    expect(job.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(job.result ?? null).toBeNull();
  });

  it('gives up after timeoutMs with the last state of a job that is not final', async () => {
    const accepted = await client.submit('sf-down', 'get', { sobject: 'Contact', id: '003000000000001AAA' });
    const error = await rejection(client.waitForJob(accepted.id, { pollMs: 50, timeoutMs: 400 }));
    expect(isRelaykitWaitTimeoutError(error)).toBe(true);
    if (!isRelaykitWaitTimeoutError(error)) return;
    expect(error.code).toBe('WAIT_TIMEOUT');
    expect(error.job.id).toBe(accepted.id);
    expect(['queued', 'active', 'retrying']).toContain(error.job.status);
  });
});

describe('abort via signal', () => {
  it('an aborted signal stops waitForJob between polls and during one', async () => {
    const accepted = await client.submit('sf-down', 'get', { sobject: 'Contact', id: '003000000000001AAA' });
    // Abort once the job has been seen unfinished twice: the wait is in progress, not yet begun or done.
    const controller = new AbortController();
    let polls = 0;
    const counting = createRelaykitClient({
      baseUrl: t.url,
      apiKey: t.apiKey,
      fetch: async (request) => {
        const response = await fetch(request);
        if (request.url.includes('/v1/jobs/') && ++polls === 2) controller.abort();
        return response;
      },
    });
    const started = Date.now();
    const error = await rejection(
      counting.waitForJob(accepted.id, { pollMs: 50, timeoutMs: 60_000, signal: controller.signal }),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(polls).toBe(2);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('an already aborted signal rejects submit and getJob without a request', async () => {
    let requests = 0;
    const counting = createRelaykitClient<Ops>({
      baseUrl: t.url,
      apiKey: t.apiKey,
      fetch: (request) => {
        requests++;
        return fetch(request);
      },
    });
    const signal = AbortSignal.abort();
    expect(((await rejection(counting.submit('sf-demo', 'upsert', contact(), { signal }))) as Error).name).toBe(
      'AbortError',
    );
    expect(((await rejection(counting.getJob('job_x', { signal }))) as Error).name).toBe('AbortError');
    expect(requests).toBe(0);
  });
});

describe('rate limited (2 requests a second per key)', () => {
  let limited: ClientTestGateway;
  beforeAll(async () => {
    limited = await startClientTestGateway({ rateLimit: 2 });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it("waitForJob waits out a 429's Retry-After and polls on; a deadline before it sees the 429", async () => {
    const statuses: number[] = [];
    const observed = createRelaykitClient<Ops>({
      baseUrl: limited.url,
      apiKey: limited.apiKey,
      fetch: async (request) => {
        const response = await fetch(request);
        statuses.push(response.status);
        return response;
      },
    });
    const accepted = await observed.submit('sf-demo', 'upsert', contact());
    // Spend the window first, so the wait's first poll meets the 429 however slowly this machine runs the job.
    const spend = () =>
      fetch(`${limited.url}/v1/jobs/${accepted.id}`, { headers: { authorization: `Bearer ${limited.apiKey}` } });
    while ((await spend()).status !== 429);
    const job = await observed.waitForJob(accepted.id, { pollMs: 10, timeoutMs: 20_000 });
    expect(job.status).toBe('succeeded');
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(200);

    // The window is spent again: a wait shorter than Retry-After gives the 429 itself, with its retryAfterMs.
    while ((await spend()).status !== 429);
    const error = await rejection(observed.waitForJob(accepted.id, { pollMs: 10, timeoutMs: 300 }));
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED' });
    expect(isRelaykitApiError(error) && error.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });
});
