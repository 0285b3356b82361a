import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryCheckpointStore } from '../checkpoint/memory.js';
import { runIncrementalSync } from './engine.js';
import { createMemorySyncSink } from './memory.js';
import { PostgresDeadLetterSink } from './postgres-dead-letter.js';
import { VersionedTable } from './table.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('PostgresDeadLetterSink', () => {
  it('stores the records a sync dead-letters, with reason and raw record, and removes them', async () => {
    const url = await servers.freshDatabase();
    const deadLetter = new PostgresDeadLetterSink({ postgresUrl: url, namespace: 'a' });
    const other = new PostgresDeadLetterSink({ postgresUrl: url, namespace: 'b' });
    const table = new VersionedTable<{ email: string; big: bigint }>({ startVersion: 2n ** 60n });
    for (let i = 0; i < 10; i++) table.upsert(`p${i}`, { email: i % 4 === 1 ? 'not-an-email' : `p${i}@example.com`, big: 2n ** 63n - 1n });
    const schema = z.object({ email: z.email() });
    const summary = await runIncrementalSync({
      source: 'crm', entity: 'person', fetchPage: table.fetcher(), checkpoints: new MemoryCheckpointStore(), sink: createMemorySyncSink(), deadLetter, pageSize: 3,
      transform: (row) => schema.parse(row.data),
    });
    expect(summary).toMatchObject({ deadLettered: 3, upserts: 7 });
    expect(await deadLetter.count({ source: 'crm' })).toBe(3);
    expect(await other.count()).toBe(0);
    const letters = await deadLetter.list({ source: 'crm', entity: 'person' });
    expect(letters.map((l) => l.id)).toEqual(['p1', 'p5', 'p9']);
    expect(letters[0]).toMatchObject({ source: 'crm', entity: 'person', code: 'VALIDATION', version: (2n ** 60n + 2n).toString() });
    expect(letters[0]!.reason).toMatch(/email/);
    expect((letters[0]!.raw as { data: { big: string } }).data.big).toBe('9223372036854775807');
    await deadLetter.remove([letters[0]!.seq]);
    expect((await deadLetter.list()).map((l) => l.id)).toEqual(['p5', 'p9']);
    expect((await deadLetter.list({ afterSeq: letters[1]!.seq })).map((l) => l.id)).toEqual(['p9']);
    await deadLetter.close();
    await other.close();
  });
});
