// What a connector keeps itself is reached through the connector contract alone: the school test connector's
// `repliers` (who replied, in the gateway's database) under subject access, erasure and retention.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { people, reply, sqlDump, startPrivacyGateway, traces } from '../test-support/privacy/scenario.js';

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

describe("a connector's own data under access, erasure and retention (PGlite)", () => {
  let t: T;
  const { carol } = people;
  beforeAll(async () => {
    t = await startPrivacyGateway({
      privacy: {
        indexKey: Buffer.alloc(32, 5).toString('base64'),
        defaultRegion: 'NP',
        retention: { interval: '1h', connectors: { 'school.repliers': { keep: '1ms' } } },
      },
    });
    await reply(t, 'evt-house', '9779841234567', 'Thank you', people.alice.name);
    await reply(t, 'evt-carol', `977${carol.phone}`, 'Thanks, Carol here', carol.name);
  }, 60_000);
  afterAll(() => t?.close());

  const access = async (subject: Record<string, string[]>) => {
    const res = await t.call('POST', '/v1/privacy/access', { key: t.dpo, body: subject });
    expect(res.status).toBe(200);
    return res.body as { items: Array<Record<string, any>>; summary: Record<string, any> };
  };
  const repliers = (items: Array<Record<string, any>>) => items.filter((i) => i.class === 'school.repliers');

  it('exports the records a connector holds, found by the subject’s phone in any spelling', async () => {
    const house = await access({ phones: [people.household] });
    expect(repliers(house.items)).toEqual([
      expect.objectContaining({
        instance: 'school',
        source: expect.objectContaining({ store: 'table', name: 'school_repliers', id: 'evt-house' }),
        data: expect.objectContaining({ phone: '9779841234567', name: people.alice.name }),
      }),
    ]);
    expect(house.summary.connectorRecords).toEqual({ 'school.repliers': 1 });
    const local = await access({ phones: [carol.phone] });
    expect(repliers(local.items).map((i) => i.source.id)).toEqual(['evt-carol']);
  });

  it('erases them, counts them per instance and class, and leaves other subjects’ records', async () => {
    const res = await t.call('POST', '/v1/privacy/erasure', { key: t.dpo, body: { phones: [carol.phone] } });
    expect(res.status).toBe(200);
    expect(res.body.counts.connectors).toEqual({ school: { repliers: 1 } });
    expect(repliers((await access({ phones: [carol.phone] })).items)).toEqual([]);
    const dump = (await sqlDump(t)).split('\n').filter((l) => l.startsWith('school_repliers\t'));
    expect(dump).toHaveLength(1);
    expect(traces(carol).filter((trace) => dump[0]!.includes(trace))).toEqual([]);
  });

  it('purges them by the retention rule configured for the connector’s class', async () => {
    const { connectors } = await t.gateway.privacy!.retention.runOnce(new Date(Date.now() + 1000));
    expect(connectors).toEqual({ 'school.repliers': 1 });
    expect(repliers((await access({ phones: [people.household] })).items)).toEqual([]);
  });
});
