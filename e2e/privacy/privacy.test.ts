import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The privacy scenario end to end: the gateway with the real WhatsApp and Mahak connectors, whose own data (delivery
// statuses, synced rows, sync dead letters) a subject's access, restriction and erasure must reach.
import { waitFinal } from '../../packages/gateway/src/test-support/harness.js';
import { message, people, reply, sqlDump, traces } from '../../packages/gateway/src/test-support/privacy/scenario.js';
import { mahakPerson, startConnectorsPrivacyGateway, whatsAppStatus } from './connectors.js';

type T = Awaited<ReturnType<typeof startConnectorsPrivacyGateway>>;

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
  const mahakIds: Record<string, number> = {};
  const held = (items: Array<Record<string, any>>, cls: string) =>
    items
      .filter((i) => i.class === cls)
      .map((i) => String(i.source.id))
      .sort();
  beforeAll(async () => {
    t = await startConnectorsPrivacyGateway();
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
    // What connectors keep themselves: delivery statuses (WhatsApp) and synced rows (Mahak), and a sync dead letter.
    jobs.houseStatus = (await whatsAppStatus(t, 'wamid.HOUSE1', '9779841234567'))[0]!;
    jobs.carolStatus = (await whatsAppStatus(t, 'wamid.CAROL1', `977${carol.phone}`))[0]!;
    mahakIds.alice = await mahakPerson(t, { phone: household, email: alice.email, name: alice.name });
    mahakIds.bob = await mahakPerson(t, { phone: household, email: bob.email, name: bob.name });
    mahakIds.house = await mahakPerson(t, { phone: household, name: 'Gurung Household' });
    mahakIds.carol = await mahakPerson(
      t,
      { phone: carol.phone, email: carol.email, name: carol.name },
      { broken: true },
    );
  }, 120_000);
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
    expect(jobIdsOf(a.items)).toEqual([jobs.alice, jobs.house, jobs.aliceReply, jobs.houseStatus].sort());
    const aliceJob = a.items.find((i) => i.source.id === jobs.alice)!;
    expect(aliceJob.input).toMatchObject({ name: people.alice.name, text: 'Your daughter Sita did well' });
    expect(aliceJob.result).toMatchObject({ sent: true });
    expect(JSON.stringify(a)).not.toContain(people.bob.name);
    expect(a.summary).toMatchObject({ jobs: 2, webhookEvents: 2 });
    expect(a.items.some((i) => i.class === 'auditEntry' && i.jobId === jobs.alice)).toBe(true);
    // Rows the connectors keep: Alice's Mahak person and the household's (named by the shared phone only), with
    // Alice's order; the status of the message to the household phone; never Bob's person or Carol's status.
    expect(held(a.items, 'mahak.persons')).toEqual([String(mahakIds.alice), String(mahakIds.house)].sort());
    expect(held(a.items, 'mahak.orders')).toHaveLength(2);
    expect(held(a.items, 'whatsapp.statuses')).toEqual(['wamid.HOUSE1']);
    expect(a.items.find((i) => i.class === 'whatsapp.statuses')).toMatchObject({
      instance: 'wa',
      source: { store: 'table', name: 'relaykit_whatsapp_statuses', connector: 'whatsapp' },
      data: { status: 'delivered', recipientId: '9779841234567' },
    });
    expect(a.summary).toMatchObject({
      syncDeadLetters: 0,
      connectorRecords: { 'mahak.persons': 2, 'mahak.orders': 2, 'whatsapp.statuses': 1 },
    });
    const b = await access(t, { phones: [people.household], emails: [people.bob.email] });
    expect(jobIdsOf(b.items)).toEqual([jobs.bob, jobs.house, jobs.aliceReply, jobs.houseStatus].sort());
    expect(JSON.stringify(b)).not.toContain(people.alice.email);
    expect(held(b.items, 'mahak.persons')).toEqual([String(mahakIds.bob), String(mahakIds.house)].sort());
    const c = await access(t, { externalIds: [people.carol.id] });
    expect(jobIdsOf(c.items)).toEqual([jobs.carol]);
    const carol = await access(t, { phones: [`+977${people.carol.phone}`] });
    expect(jobIdsOf(carol.items)).toEqual([jobs.carol, jobs.carolFailed, jobs.carolWaited, jobs.carolStatus].sort());
    expect(held(carol.items, 'whatsapp.statuses')).toEqual(['wamid.CAROL1']);
    expect(held(carol.items, 'mahak.persons')).toEqual([String(mahakIds.carol)]);
    expect(carol.items.filter((i) => i.class === 'syncDeadLetter')).toMatchObject([
      { instance: 'mahak', data: { entity: 'Person', raw: { Mobile: people.carol.phone } } },
    ]);
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
    // The subject is in what connectors keep too: statuses, synced rows, a sync dead letter.
    const holds = (dump: string, table: string) =>
      dump.split('\n').some((l) => l.startsWith(`${table}\t`) && traces(carol).some((trace) => l.includes(trace)));
    for (const table of ['relaykit_whatsapp_statuses', 'mahak_person', 'mahak_order', 'relaykit_sync_dead_letters'])
      expect(holds(before, table), table).toBe(true);
    const res = await t.call('POST', '/v1/privacy/erasure', {
      key: t.dpo,
      body: { phones: [carol.phone], emails: [carol.email], externalIds: [carol.id] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'done',
      counts: {
        jobs: 3,
        webhookEvents: 1,
        attempts: 2,
        idempotencyResponses: 1,
        syncDeadLetters: 1,
        connectors: { wa: { statuses: 1 }, mahak: { persons: 1, orders: 1, deadLetters: 0 } },
      },
    });
    const dump = await sqlDump(t);
    const left = traces(carol).filter((trace) => dump.includes(trace));
    expect(left).toEqual([]);
    // Carol's Mahak person is pseudonymised, not deleted: orders and other systems still find it by its id.
    const person = await t.gateway.sql.query<{ first_name: string | null }>(
      'SELECT first_name FROM mahak_person WHERE mahak_id = $1',
      [mahakIds.carol],
    );
    expect(person.rows).toEqual([{ first_name: null }]);
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
