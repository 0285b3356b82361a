import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('store-mahak-sync example', () => {
  it('back-fills, syncs the changes, pushes orders once and prints a summary', async () => {
    const lines: string[] = [];
    const result = await main({
      databaseUrl: await servers.freshDatabase(),
      scale: 0.2,
      progress: false,
      log: (l) => lines.push(l),
    });
    expect(result.backfill.deadLettered).toBe(1);
    expect(result.backfill.upserts + result.backfill.deadLettered).toBe(result.backfill.records);
    expect(result.incremental).toMatchObject({ records: 75, upserts: 65, deletes: 10, deadLettered: 0 });
    expect(result.tables.Product!.deleted).toBe(10);
    expect(result.tables.Person!.live).toBe(300 + 25);
    expect(result.pushedOrders.every((o) => o.mahakOrderId !== null)).toBe(true);
    expect(lines.join('\n')).toMatch(/backfill: \d+ records .* 1 dead-lettered/);
    expect(lines.join('\n')).toContain('created once: 2 new');
    expect(lines[0]).toBe('database: PostgreSQL');
  }, 60_000);
});

describe('store-mahak-sync example, embedded', () => {
  it('runs the same on an embedded PGlite database', async () => {
    const lines: string[] = [];
    const result = await main({ embedded: true, scale: 0.1, progress: false, log: (l) => lines.push(l) });
    expect(lines[0]).toBe('database: embedded PGlite');
    expect(result.backfill.deadLettered).toBe(1);
    expect(result.backfill.upserts + result.backfill.deadLettered).toBe(result.backfill.records);
    expect(result.incremental).toMatchObject({ records: 75, upserts: 65, deletes: 10, deadLettered: 0 });
    expect(result.tables.Product!.deleted).toBe(10);
    expect(result.tables.Person!.live).toBe(150 + 25);
    expect(lines.join('\n')).toContain('created once: 2 new');
  }, 60_000);
});
