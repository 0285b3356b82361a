// Retention of what the real connectors keep (WhatsApp delivery statuses, Mahak's deleted rows) and of sync dead
// letters, each class by its own rule, counted per instance and class.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mahakPerson, startConnectorsPrivacyGateway, whatsAppStatus } from './connectors.js';

type T = Awaited<ReturnType<typeof startConnectorsPrivacyGateway>>;

describe('retention of sync dead letters and of what connectors keep, on PGlite', () => {
  let t: T;
  beforeAll(async () => {
    // Statuses and sync dead letters kept 1 ms, Mahak's deleted rows 1 ms on this instance.
    t = await startConnectorsPrivacyGateway({
      privacy: {
        indexKey: Buffer.alloc(32, 9).toString('base64'),
        defaultRegion: 'NP',
        retention: {
          interval: '1h',
          classes: { syncDeadLetters: { keep: '1ms' } },
          connectors: { 'whatsapp.statuses': { keep: '1ms' } },
          instances: { mahak: { connectors: { deletedRows: { keep: '1ms' } } } },
        },
      },
    });
  }, 60_000);
  afterAll(() => t?.close());

  const count = async (table: string) =>
    Number((await t.gateway.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

  it('purges each class by its rule through the connectors, and counts it per instance and class', async () => {
    await whatsAppStatus(t, 'wamid.OLD1', '9779800000001');
    const gone = await mahakPerson(t, { phone: '+9779800000002', name: 'Gone Person' }, { broken: true });
    t.mahak.remove('Person', gone);
    await mahakPerson(t, { phone: '+9779800000003', name: 'Kept Person' });
    expect(await count('relaykit_whatsapp_statuses')).toBe(1);
    expect(await count('relaykit_sync_dead_letters')).toBe(1);
    const { counts, connectors, skipped } = await t.gateway.privacy!.retention.runOnce(new Date(Date.now() + 1000));
    expect(skipped).toBe(false);
    expect(counts.syncDeadLetters).toBe(1);
    // Persons and orders are a mirror of Mahak's own records: kept until erased (no default retention).
    expect(connectors).toEqual({ 'wa.statuses': 1, 'mahak.deletedRows': 1, 'mahak.deadLetters': 0 });
    expect(await count('relaykit_whatsapp_statuses')).toBe(0);
    expect(await count('relaykit_sync_dead_letters')).toBe(0);
    const { rows } = await t.gateway.sql.query('SELECT mahak_id FROM mahak_person WHERE mahak_id = $1', [gone]);
    expect(rows).toEqual([]);
    expect(await count('mahak_person')).toBe(1);
    const metrics = await t.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/relaykit_retention_purged_rows_total\{class="wa.statuses",action="delete"\} 1/);
    await t.gateway.audit.flush();
    const audit = (await t.gateway.audit.recent(500)).find((e) => e.operation === 'privacy:retention.purge');
    expect(audit?.payload).toMatchObject({ counts: { syncDeadLetters: 1 }, connectors: { 'wa.statuses': 1 } });
  }, 60_000);
});
