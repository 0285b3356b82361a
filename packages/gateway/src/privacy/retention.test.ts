import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, startPrivacyGateway } from '../test-support/privacy/scenario.js';
import { PURGED_PAYLOAD } from './retention.js';
import { waitFor } from '@relaykit/testkit';

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

describe('retention purge on PGlite', () => {
  let t: T;
  beforeAll(async () => {
    t = await startPrivacyGateway({
      instances: {
        school: { connector: 'school', environment: 'development', retry: { attempts: 1 } },
        kept: { connector: 'school', environment: 'development', retry: { attempts: 1 } },
      },
      privacy: {
        indexKey: Buffer.alloc(32, 7).toString('base64'),
        retention: {
          interval: '1h',
          batch: 2,
          classes: { jobs: { keep: '1ms' }, deadJobs: { keep: '1ms', action: 'delete' }, attempts: { keep: '1ms' } },
          instances: { kept: { jobs: { keep: null } } },
        },
      },
    });
  });
  afterAll(() => t?.close());

  const row = async (id: string) =>
    (
      await t.gateway.sql.query<{ input: string; result: string | null; purged_at: Date | null; status: string }>(
        'SELECT input, result, purged_at, status FROM relaykit_jobs WHERE id = $1',
        [id],
      )
    ).rows[0];

  it('erases payloads of old finished jobs in small batches, deletes dead ones, leaves running and kept ones', async () => {
    const done = [];
    for (let i = 0; i < 5; i++) done.push(await message(t, { to: `+97798000000${i}`, name: `Pupil Number${i}` }));
    const failed = await message(t, { to: '+9779800000009', fail: true });
    const keptRes = await t.call('POST', '/v1/kept/message', { key: t.keys.dev, body: { to: '+9779811111111' } });
    const running = await t.call('POST', '/v1/school/message', {
      key: t.keys.dev,
      body: { to: '+9779822222222', holdMs: 30_000 },
    });
    // The kept instance's job and the running one exist; wait until the kept one is finished.
    await waitFor(async () => (await row(keptRes.body.id))?.status === 'succeeded', 'the kept job to finish');
    const { counts, skipped } = await t.gateway.privacy!.retention.runOnce(new Date(Date.now() + 1000));
    expect(skipped).toBe(false);
    expect(counts).toMatchObject({ jobs: 5, deadJobs: 1 });
    for (const id of done) {
      const r = await row(id);
      expect(r).toMatchObject({ input: PURGED_PAYLOAD, result: PURGED_PAYLOAD, status: 'succeeded' });
      expect(r?.purged_at).toEqual(expect.any(Date));
    }
    expect(await row(failed)).toBeUndefined();
    expect((await row(keptRes.body.id))?.input).toContain('9811111111');
    expect((await row(running.body.id))?.input).toContain('9822222222');
    const { rows: index } = await t.gateway.sql.query(
      'SELECT 1 FROM relaykit_subject_index WHERE job_id = ANY($1::text[])',
      [done],
    );
    expect(index).toEqual([]);
    // Nothing left: a second run purges nothing and writes no audit record.
    expect((await t.gateway.privacy!.retention.runOnce(new Date(Date.now() + 1000))).counts.jobs).toBe(0);
    const metrics = await t.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/relaykit_retention_purged_rows_total\{class="jobs",action="erasePayload"\} 5/);
    expect(metrics).toMatch(/relaykit_retention_purged_rows_total\{class="deadJobs",action="delete"\} 1/);
    await t.gateway.audit.flush();
    const audits = (await t.gateway.audit.recent(500)).filter((e) => e.operation === 'privacy:retention.purge');
    expect(audits).toHaveLength(1);
    expect(audits[0]?.payload).toMatchObject({ counts: { jobs: 5, deadJobs: 1 } });
  });
});
