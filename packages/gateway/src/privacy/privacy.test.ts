import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFinal } from '../test-support/harness.js';
import { message, people, reply, sqlDump, startPrivacyGateway, traces } from '../test-support/privacy/scenario.js';

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

async function access(t: T, subject: Record<string, string[]>) {
  const res = await t.call('POST', '/v1/privacy/access', { key: t.dpo, body: subject });
  expect(res.status).toBe(200);
  return res.body as { items: Array<Record<string, any>>; summary: Record<string, number> };
}

const jobIdsOf = (items: Array<Record<string, any>>) =>
  items
    .filter((i) => i.source.table === 'relaykit_jobs')
    .map((i) => i.source.id as string)
    .sort();

describe('privacy on PGlite', () => {
  let t: T;
  const jobs: Record<string, string> = {};
  beforeAll(async () => {
    t = await startPrivacyGateway();
    const { household, alice, bob, carol } = people;
    jobs.alice = await message(t, {
      to: household,
      email: alice.email,
      name: alice.name,
      text: 'Your daughter Sita did well',
    });
    jobs.bob = await message(t, { to: household, email: bob.email, name: bob.name, text: 'Bill for Hari' });
    jobs.house = await message(t, { to: '+9779841234567', text: 'School closed tomorrow' });
    jobs.carol = await message(t, { to: carol.phone, email: carol.email, name: carol.name, guardianId: carol.id });
    jobs.carolFailed = await message(t, { to: `+977${carol.phone}`, name: carol.name, fail: true });
    jobs.carolWaited = await message(
      t,
      { to: carol.phone, name: carol.name, text: 'Trip on Friday' },
      { 'idempotency-key': 'k-carol-1' },
    );
    jobs.aliceReply = await reply(t, 'evt-1', '9779841234567', 'Thank you', alice.name);
  });
  afterAll(() => t?.close());

  it('masks marked personal data whole in audit payloads', async () => {
    await t.gateway.audit.flush();
    const entry = (await t.gateway.audit.recent(200)).find((e) => e.jobId === jobs.alice && e.method === 'POST');
    // `text` is also a field name the fallback rules hide.
    expect(entry?.payload).toEqual({ to: '[phone]', email: '[email]', name: '[name]', text: '[REDACTED]' });
  });

  it('refuses privacy routes without admin:privacy', async () => {
    const res = await t.call('POST', '/v1/privacy/access', { key: t.keys.dev, body: { emails: ['x@y.z'] } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN_SCOPE');
    const bad = await t.call('POST', '/v1/privacy/access', { key: t.dpo, body: {} });
    expect(bad.status).toBe(400);
  });

  it('exports exactly the subject’s data when a household shares a phone', async () => {
    const a = await access(t, { phones: ['9841234567'], emails: ['alice.gurung@EXAMPLE.org'] });
    expect(jobIdsOf(a.items)).toEqual([jobs.alice, jobs.house, jobs.aliceReply].sort());
    const aliceJob = a.items.find((i) => i.source.id === jobs.alice)!;
    expect(aliceJob.input).toMatchObject({ name: people.alice.name, text: 'Your daughter Sita did well' });
    expect(aliceJob.result).toMatchObject({ sent: true });
    expect(JSON.stringify(a)).not.toContain(people.bob.name);
    expect(a.summary).toMatchObject({ jobs: 2, webhookEvents: 1 });
    expect(a.items.some((i) => i.class === 'auditEntry' && i.jobId === jobs.alice)).toBe(true);
    const b = await access(t, { phones: [people.household], emails: [people.bob.email] });
    expect(jobIdsOf(b.items)).toEqual([jobs.bob, jobs.house, jobs.aliceReply].sort());
    expect(JSON.stringify(b)).not.toContain(people.alice.email);
    const c = await access(t, { externalIds: [people.carol.id] });
    expect(jobIdsOf(c.items)).toEqual([jobs.carol]);
    const carol = await access(t, { phones: [`+977${people.carol.phone}`] });
    expect(jobIdsOf(carol.items)).toEqual([jobs.carol, jobs.carolFailed, jobs.carolWaited].sort());
    expect(carol.items.some((i) => i.class === 'idempotencyResponse')).toBe(true);
    expect(carol.items.some((i) => i.class === 'attempt' && JSON.stringify(i.error).includes(people.carol.name))).toBe(
      true,
    );
  });

  it('refuses new jobs naming a restricted subject until lifted', async () => {
    const on = await t.call('POST', '/v1/privacy/restrictions', {
      key: t.dpo,
      body: { emails: [people.bob.email], reason: 'objection' },
    });
    expect(on.status).toBe(201);
    const refused = await t.call('POST', '/v1/school/message', {
      key: t.keys.dev,
      body: { to: '+9779800000000', email: 'BOB.gurung@example.org' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'SUBJECT_RESTRICTED', identifierKind: 'email' });
    const batch = await t.call('POST', '/v1/jobs/batch', {
      key: t.keys.dev,
      headers: { 'idempotency-key': 'b-restricted' },
      body: { jobs: [{ instance: 'school', operation: 'message', input: { to: '1', email: people.bob.email } }] },
    });
    expect(batch.status).toBe(409);
    expect(
      (await t.call('POST', '/v1/school/message', { key: t.keys.dev, body: { to: '+9779800000000' } })).status,
    ).toBe(202);
    const off = await t.call('DELETE', '/v1/privacy/restrictions', {
      key: t.dpo,
      body: { emails: [people.bob.email] },
    });
    expect(off.body).toEqual({ lifted: 1 });
    const accepted = await t.call('POST', '/v1/school/message', {
      key: t.keys.dev,
      body: { to: '+9779800000000', email: people.bob.email },
    });
    expect(accepted.status).toBe(202);
    await waitFinal(t, accepted.body.id);
  });

  it('erases every trace of a subject: the dump holds none, other subjects are untouched, the receipt is audited', async () => {
    const { carol } = people;
    const before = await sqlDump(t);
    expect(traces(carol).some((trace) => before.includes(trace))).toBe(true);
    const res = await t.call('POST', '/v1/privacy/erasure', {
      key: t.dpo,
      body: { phones: [carol.phone], emails: [carol.email], externalIds: [carol.id] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'done', counts: { jobs: 3, attempts: 2, idempotencyResponses: 1 } });
    const dump = await sqlDump(t);
    const left = traces(carol).filter((trace) => dump.includes(trace));
    expect(left).toEqual([]);
    expect(JSON.stringify(res.body)).not.toMatch(/carol|985111/i);
    // Rows stay: status and ids consistent; payloads are gone.
    const job = await t.call('GET', `/v1/jobs/${jobs.carol}`, { key: t.keys.dev });
    expect(job.body).toMatchObject({ status: 'succeeded', result: { $erased: res.body.id } });
    // Others keep their data.
    expect(dump).toContain(people.alice.name);
    expect(dump).toContain(people.bob.name);
    await t.gateway.audit.flush();
    const receipt = (await t.gateway.audit.recent(500)).find((e) => e.operation === 'privacy:erasure.receipt');
    expect(receipt?.payload).toMatchObject({ id: res.body.id, state: 'done', counts: res.body.counts });
    const again = await t.call('GET', `/v1/privacy/erasure/${res.body.id}`, { key: t.dpo });
    expect(again.body).toMatchObject({ state: 'done' });
    expect(jobIdsOf((await access(t, { phones: [carol.phone] })).items)).toEqual([]);
  });
});
