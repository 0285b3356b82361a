// After an erasure, a pg_dump of the whole database — the gateway's tables and what the real connectors keep
// (delivery statuses, synced Mahak rows, sync dead letters) — holds no trace of the subject.
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../packages/gateway/src/store/migrations.js';
import { postgresClient } from '../../packages/gateway/src/store/sql.js';
import { appRoleUrl, pgDump } from '../../packages/gateway/src/test-support/privacy/postgres.js';
import { message, people, reply, traces } from '../../packages/gateway/src/test-support/privacy/scenario.js';
import { mahakPerson, startConnectorsPrivacyGateway, whatsAppStatus } from './connectors.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('privacy with the real connectors on PostgreSQL, as the app role', () => {
  let t: Awaited<ReturnType<typeof startConnectorsPrivacyGateway>>;
  let ownerUrl: string;
  beforeAll(async () => {
    ownerUrl = await servers.freshDatabase();
    const owner = postgresClient(ownerUrl, { max: 2 });
    await migrate(owner);
    await owner.close();
    t = await startConnectorsPrivacyGateway({ database: { url: await appRoleUrl(ownerUrl), dataDir: 'memory://' } });
  }, 120_000);
  afterAll(() => t?.close());

  it('after an erasure, pg_dump of the whole database holds no trace of the subject', async () => {
    const { carol, alice } = people;
    await message(t, {
      to: carol.phone,
      email: carol.email,
      name: carol.name,
      guardianId: carol.id,
      text: 'Report card',
    });
    await message(t, { to: `+977${carol.phone}`, name: carol.name, fail: true }, { 'idempotency-key': 'c-1' });
    await message(t, { to: carol.phone, name: carol.name }, { 'idempotency-key': 'c-2' });
    await t.call('POST', '/v1/school/message?wait=5s', {
      key: t.keys.dev,
      body: { to: carol.phone, name: carol.name },
      headers: { 'idempotency-key': 'c-3' },
    });
    await reply(t, 'evt-c1', `977${carol.phone}`, 'Thanks', carol.name);
    await message(t, { to: people.household, email: alice.email, name: alice.name });
    // What connectors keep: a delivery status, synced Mahak rows, and a sync dead letter of a broken record.
    await whatsAppStatus(t, 'wamid.CAROL1', `977${carol.phone}`);
    await mahakPerson(t, { phone: carol.phone, email: carol.email, name: carol.name }, { broken: true });
    await mahakPerson(t, { phone: people.household, email: alice.email, name: alice.name });
    await t.gateway.audit.flush();
    const before = await pgDump(ownerUrl);
    expect(traces(carol).filter((trace) => before.includes(trace)).length).toBeGreaterThan(0);
    const copyOf = (dump: string, table: string) =>
      dump.split('\n').filter((l) => l.startsWith(`INSERT INTO public.${table} `));
    for (const table of ['relaykit_whatsapp_statuses', 'mahak_person', 'mahak_order', 'relaykit_sync_dead_letters'])
      expect(
        copyOf(before, table).some((l) => traces(carol).some((trace) => l.includes(trace))),
        table,
      ).toBe(true);
    const res = await t.call('POST', '/v1/privacy/erasure', {
      key: t.dpo,
      body: { phones: [carol.phone], emails: [carol.email], externalIds: [carol.id] },
    });
    expect(res.status).toBe(200);
    expect(res.body.counts).toMatchObject({
      jobs: 4,
      webhookEvents: 2,
      idempotencyResponses: 3,
      syncDeadLetters: 1,
      connectors: { wa: { statuses: 1 }, mahak: { persons: 1, orders: 1 } },
    });
    await t.gateway.audit.flush();
    const after = await pgDump(ownerUrl);
    expect(traces(carol).filter((trace) => after.includes(trace))).toEqual([]);
    expect(after).toContain(alice.name);
    expect(copyOf(after, 'mahak_person').some((l) => l.includes('Gurung'))).toBe(true);
    expect(after).toContain('privacy:erasure.receipt');
  }, 60_000);
});
