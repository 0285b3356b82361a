import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../store/migrations.js';
import { postgresClient } from '../store/sql.js';
import { appRoleUrl } from '../test-support/privacy/postgres.js';
import { message, people, startPrivacyGateway } from '../test-support/privacy/scenario.js';
import { RetentionPurger } from './retention.js';

const servers = sharedServers();

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

describe.skipIf(!servers.postgresUrl)('privacy on PostgreSQL, as a role with append-only audit grants', () => {
  let t: T;
  let appUrl: string;
  beforeAll(async () => {
    const ownerUrl = await servers.freshDatabase();
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
