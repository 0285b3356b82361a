import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoConnector } from '../test-support/echo.js';
import { type TestGateway, waitFinal } from '../test-support/harness.js';
import { BACKENDS, operatorKeys } from '../test-support/ops/backends.js';
import { ledgerConnector, type LedgerState } from '../test-support/ops/ledger-connector.js';

describe.each(BACKENDS)('operator API: dead letters ($name)', (backend) => {
  let t: TestGateway;
  let keys: Awaited<ReturnType<typeof operatorKeys>>;
  let ledger: LedgerState;
  beforeAll(async () => {
    t = await backend.start(
      {
        instances: {
          // Nothing listens on port 9: every attempt fails and is retried until the job is dead.
          'echo-dev': {
            connector: 'echo',
            environment: 'development',
            config: { baseUrl: 'http://127.0.0.1:9' },
            retry: { attempts: 2, delay: '10ms', maxDelay: '20ms' },
          },
          ledger: { connector: 'ledger', environment: 'development', config: {} },
          'ledger-prod': { connector: 'ledger', environment: 'production', config: {} },
        },
      },
      { connectors: { echo: echoConnector, ledger: ledgerConnector } },
    );
    keys = await operatorKeys(t);
    ledger = t.gateway.instances.get('ledger')!.runtime!.state as LedgerState;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const list = async (query = '', key = keys.viewer) => {
    const res = await t.call('GET', `/v1/admin/dead-letters${query}`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { deadLetters: Array<Record<string, any>>; nextCursor: string | null };
  };

  it('shows dead jobs and sync dead letters in one view, masked, and replays both', async () => {
    const submitted = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      body: { key: 'dl', email: 'ops.person@example.com' },
    });
    const jobId = submitted.body.id as string;
    expect(await waitFinal(t, jobId)).toMatchObject({ status: 'dead' });

    ledger.source.push(
      { id: 1, version: 1, amount: 10 },
      { id: 2, version: 2, amount: '12.5', email: 'payer@example.com' },
    );
    const sync = await t.call('POST', '/v1/ledger/sync?wait=10s', { key: t.keys.dev, body: {} });
    expect(sync.status).toBe(200);
    expect(sync.body.result).toEqual({ deadLettered: 1 });
    expect([...ledger.rows.keys()]).toEqual(['1']);

    const view = await list();
    const job = view.deadLetters.find((d) => d.id === jobId)!;
    expect(job).toMatchObject({ kind: 'job', instance: 'echo-dev', subject: 'put', payload: { key: 'dl' } });
    expect(JSON.stringify(job.payload)).not.toContain('ops.person');
    const letter = view.deadLetters.find((d) => d.kind === 'sync')!;
    expect(letter).toMatchObject({
      id: expect.stringMatching(/^sdl_\d+$/),
      instance: 'ledger',
      subject: 'Entry',
      source: 'ledger:ledger',
      recordId: '2',
      version: '2',
      reason: expect.stringContaining('not a number'),
      payload: { id: 2, amount: '12.5' },
    });
    expect(JSON.stringify(letter.payload)).not.toContain('payer@');
    expect((await list('?kind=sync')).deadLetters.map((d) => d.id)).toEqual([letter.id]);

    // A replay before the fix fails again and stays; a viewer may not replay at all.
    expect(
      (await t.call('POST', '/v1/admin/dead-letters/replay', { key: keys.viewer, body: { ids: [letter.id] } })).status,
    ).toBe(403);
    const early = await t.call('POST', '/v1/admin/dead-letters/replay', {
      key: keys.operator,
      body: { ids: [letter.id] },
    });
    expect(early.body).toMatchObject({ replayed: 0, failed: 1, results: [{ id: letter.id, outcome: 'failed' }] });
    expect((await list('?kind=sync')).deadLetters).toHaveLength(1);

    ledger.lenient = true; // the transform is fixed
    const replay = await t.call('POST', '/v1/admin/dead-letters/replay', {
      key: keys.operator,
      body: { ids: [letter.id, jobId, 'sdl_999999', 'job_nope'] },
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({
      replayed: 2,
      failed: 0,
      results: [
        { id: letter.id, outcome: 'replayed' },
        { id: jobId, outcome: 'replayed' },
        { id: 'sdl_999999', outcome: 'not_found' },
        { id: 'job_nope', outcome: 'not_found' },
      ],
    });
    expect(ledger.rows.get('2')).toEqual({ id: 2, amount: 12.5 });
    // the replayed job runs again (and, the upstream still down, dies again: it is back in the view)
    await waitFor(async () => (await t.gateway.store.get(jobId))?.attempts === 4, 'the replayed job’s new attempts');
    expect((await waitFinal(t, jobId)).status).toBe('dead');
    expect((await list('?kind=sync')).deadLetters).toEqual([]);
  });

  it('discards with a note, confined to the caller’s environment', async () => {
    const prodLedger = t.gateway.instances.get('ledger-prod')!.runtime!.state as LedgerState;
    prodLedger.source.push({ id: 7, version: 1, amount: 'x' });
    const prodKey = (await t.gateway.keys.create({ name: 'p', environment: 'production', scopes: ['*'] })).secret;
    expect((await t.call('POST', '/v1/ledger-prod/sync?wait=10s', { key: prodKey, body: {} })).body.result).toEqual({
      deadLettered: 1,
    });
    const [prodLetter] = (await list('?kind=sync', keys.prodAdmin)).deadLetters;
    expect(prodLetter).toMatchObject({ instance: 'ledger-prod' });
    // the development operator neither sees nor discards it
    expect((await list('?kind=sync')).deadLetters.map((d) => d.id)).not.toContain(prodLetter!.id);
    const foreign = await t.call('POST', '/v1/admin/dead-letters/discard', {
      key: keys.operator,
      body: { ids: [prodLetter!.id], note: 'not mine' },
    });
    expect(foreign.body).toEqual({ discarded: 0, results: [{ id: prodLetter!.id, outcome: 'not_found' }] });
    const dead = (await list('?kind=job')).deadLetters.map((d) => d.id);
    const own = await t.call('POST', '/v1/admin/dead-letters/discard', {
      key: keys.prodAdmin,
      body: { ids: [prodLetter!.id], note: 'bad source row, fixed upstream' },
    });
    expect(own.body).toEqual({ discarded: 1, results: [{ id: prodLetter!.id, outcome: 'discarded' }] });
    expect((await list('?kind=sync', keys.prodAdmin)).deadLetters).toEqual([]);
    if (dead.length) {
      const discarded = await t.call('POST', '/v1/admin/dead-letters/discard', {
        key: keys.operator,
        body: { ids: dead, note: 'upstream retired' },
      });
      expect(discarded.body.discarded).toBe(dead.length);
      expect((await list('?kind=job')).deadLetters).toEqual([]);
      expect((await t.gateway.store.get(dead[0]!))?.status).toBe('dead');
    }
    const missingNote = await t.call('POST', '/v1/admin/dead-letters/discard', {
      key: keys.operator,
      body: { ids: ['x'] },
    });
    expect(missingNote.status).toBe(400);
  });
});
