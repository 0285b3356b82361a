import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postgresBinDir } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../store/migrations.js';
import { postgresClient } from '../store/sql.js';
import { appendOnlyAuditGrants } from './grants.js';
import {
  mahakPerson,
  message,
  people,
  reply,
  startPrivacyGateway,
  traces,
  whatsAppStatus,
} from '../test-support/privacy/scenario.js';
import { RetentionPurger } from './retention.js';

const servers = sharedServers();
const run = promisify(execFile);

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

async function pgDump(url: string): Promise<string> {
  const { stdout } = await run(join(postgresBinDir()!, 'pg_dump'), ['--data-only', '--inserts', url], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** A role holding only the documented grants: the gateway runs as it. */
async function appRoleUrl(url: string): Promise<string> {
  const role = `rk_app_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    for (const statement of appendOnlyAuditGrants(role)) await admin.query(statement);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.username = role;
  u.password = '';
  return u.toString();
}

describe.skipIf(!servers.postgresUrl)('privacy on PostgreSQL, as a role with append-only audit grants', () => {
  let t: T;
  let ownerUrl: string;
  let appUrl: string;
  beforeAll(async () => {
    ownerUrl = await servers.freshDatabase();
    const owner = postgresClient(ownerUrl, { max: 2 });
    await migrate(owner);
    await owner.close();
    appUrl = await appRoleUrl(ownerUrl);
    t = await startPrivacyGateway({ database: { url: appUrl, dataDir: 'memory://' } });
  }, 120_000);
  afterAll(() => t?.close());

  it('the app role can write and read the audit but neither change nor delete it', async () => {
    await message(t, { to: people.household, name: 'Audit Probe' });
    await t.gateway.audit.flush();
    expect((await t.gateway.audit.recent(5)).length).toBeGreaterThan(0);
    for (const statement of [
      'UPDATE relaykit_audit SET payload = NULL',
      'DELETE FROM relaykit_audit',
      'TRUNCATE relaykit_audit',
    ])
      await expect(t.gateway.sql.query(statement)).rejects.toMatchObject({ code: '42501' });
  });

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

  it('purges exactly once when two processes run retention at the same time', async () => {
    for (let i = 0; i < 30; i++) await message(t, { to: `+97798000001${String(i).padStart(2, '0')}` });
    const config = {
      ...t.gateway.config.privacy,
      retention: { ...t.gateway.config.privacy.retention, batch: 3, classes: { jobs: { keep: 0 } } },
    };
    const a = postgresClient(appUrl, { max: 2 });
    const b = postgresClient(appUrl, { max: 2 });
    const purger = (sql: typeof a) =>
      new RetentionPurger({
        sql,
        config,
        instances: ['school'],
        audit: t.gateway.audit,
        metrics: t.gateway.metrics,
        logger: t.gateway.logger,
      });
    const { rows } = await t.gateway.sql.query<{ n: string }>(
      `SELECT count(*) AS n FROM relaykit_jobs WHERE kind = 'operation' AND status = 'succeeded' AND purged_at IS NULL`,
    );
    const later = new Date(Date.now() + 1000);
    const results = await Promise.all([purger(a).runOnce(later), purger(b).runOnce(later), purger(a).runOnce(later)]);
    // Whoever was skipped, a final run finishes; every row is purged once.
    const final = await purger(b).runOnce(later);
    const total = [...results, final].reduce((sum, r) => sum + r.counts.jobs, 0);
    expect(total).toBe(Number(rows[0]!.n));
    const left = await t.gateway.sql.query(
      `SELECT 1 FROM relaykit_jobs WHERE kind = 'operation' AND status = 'succeeded' AND purged_at IS NULL`,
    );
    expect(left.rows).toEqual([]);
    await a.close();
    await b.close();
  }, 60_000);
});
