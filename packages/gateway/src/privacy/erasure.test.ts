import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFinal } from '../test-support/harness.js';
import { message, startPrivacyGateway } from '../test-support/privacy/scenario.js';
import { waitFor } from '@relaykit/testkit';

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

const until = <V>(fn: () => Promise<V | undefined | false>, ms = 20_000): Promise<V> =>
  waitFor(fn, 'the condition', { timeoutMs: ms, intervalMs: 50 });

describe('erasure: jobs in flight, and resuming after a crash', () => {
  let t: T;
  beforeAll(async () => {
    t = await startPrivacyGateway({
      privacy: {
        indexKey: Buffer.alloc(32, 9).toString('base64'),
        defaultRegion: 'NP',
        erasureBatch: 1,
        erasurePassInterval: '200ms',
      },
    });
  });
  afterAll(() => t?.close());

  it('a running job of the subject finishes, then the resumed pass erases it; the receipt is audited once', async () => {
    const done = await message(t, { to: '+9779811000001', name: 'Ram Waiting' });
    const running = await t.call('POST', '/v1/school/message', {
      key: t.keys.dev,
      body: { to: '+9779811000001', name: 'Ram Waiting', holdMs: 1500 },
    });
    await until(async () => (await t.gateway.store.get(running.body.id))?.status === 'active');
    const res = await t.call('POST', '/v1/privacy/erasure', { key: t.dpo, body: { phones: ['9811000001'] } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ state: 'waiting', waiting: 1, counts: { jobs: 1 } });
    expect((await t.gateway.store.get(done))?.input).toEqual({ $erased: res.body.id });
    // The job ends with its result; the next pass erases it.
    const final = await waitFinal(t, running.body.id);
    expect(final.status).toBe('succeeded');
    const receipt = await until(async () => {
      const r = await t.call('GET', `/v1/privacy/erasure/${res.body.id}`, { key: t.dpo });
      return r.body.state === 'done' && r.body;
    });
    expect(receipt.counts).toMatchObject({ jobs: 2 });
    expect((await t.gateway.store.get(running.body.id))?.result).toEqual({ $erased: res.body.id });
    await t.gateway.audit.flush();
    const receipts = (await t.gateway.audit.recent(500)).filter(
      (e) => e.operation === 'privacy:erasure.receipt' && (e.payload as { id: string }).id === res.body.id,
    );
    expect(receipts).toHaveLength(1);
  });

  it('an erasure interrupted after a batch resumes where it stopped', async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await message(t, { to: '+9779822000002', name: `Sita Crash${i}` }));
    const privacy = t.gateway.privacy!;
    const id = await privacy.erasure.create(privacy.refsOf({ phones: ['+977 982-2000002'] }), 'development', null);
    // The process "dies" after its second committed batch.
    const crashed = await privacy.erasure
      .run(id, (r) => {
        if (r.counts.jobs >= 2) throw new Error('crash');
      })
      .catch((e: Error) => e);
    expect(crashed).toBeInstanceOf(Error);
    expect((await privacy.erasure.get(id))?.counts.jobs).toBe(2);
    // The background pass (another process would do the same) finishes it.
    const receipt = await until(async () => {
      const r = await privacy.erasure.get(id);
      return r?.state === 'done' && r;
    });
    expect(receipt.counts.jobs).toBe(4);
    for (const job of ids) expect((await t.gateway.store.get(job))?.input).toEqual({ $erased: id });
  });
});
