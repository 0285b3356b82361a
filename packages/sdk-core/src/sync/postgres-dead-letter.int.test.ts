import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryCheckpointStore } from '../checkpoint/memory.js';
import { pgliteSqlClient } from '../sql/pglite.js';
import { postgresSqlClient } from '../sql/postgres.js';
import type { SqlClient } from '../sql/types.js';
import { runIncrementalSync } from './engine.js';
import { createMemorySyncSink } from './memory.js';
import { PostgresDeadLetterSink, deadLetterMigrations } from './postgres-dead-letter.js';
import type { DeadLetter, SyncBatch } from './types.js';
import { VersionedTable } from './table.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('PostgresDeadLetterSink', () => {
  it('stores the records a sync dead-letters, with reason and raw record, and removes them', async () => {
    const url = await servers.freshDatabase();
    const deadLetter = new PostgresDeadLetterSink({ postgresUrl: url, namespace: 'a' });
    const other = new PostgresDeadLetterSink({ postgresUrl: url, namespace: 'b' });
    const table = new VersionedTable<{ email: string; big: bigint }>({ startVersion: 2n ** 60n });
    for (let i = 0; i < 10; i++)
      table.upsert(`p${i}`, { email: i % 4 === 1 ? 'not-an-email' : `p${i}@example.com`, big: 2n ** 63n - 1n });
    const schema = z.object({ email: z.email() });
    const summary = await runIncrementalSync({
      source: 'crm',
      entity: 'person',
      fetchPage: table.fetcher(),
      checkpoints: new MemoryCheckpointStore(),
      sink: createMemorySyncSink(),
      deadLetter,
      pageSize: 3,
      transform: (row) => schema.parse(row.data),
    });
    expect(summary).toMatchObject({ deadLettered: 3, upserts: 7 });
    expect(await deadLetter.count({ source: 'crm' })).toBe(3);
    expect(await other.count()).toBe(0);
    const letters = await deadLetter.list({ source: 'crm', entity: 'person' });
    expect(letters.map((l) => l.id)).toEqual(['p1', 'p5', 'p9']);
    expect(letters[0]).toMatchObject({
      source: 'crm',
      entity: 'person',
      code: 'VALIDATION',
      version: (2n ** 60n + 2n).toString(),
    });
    expect(letters[0]!.reason).toMatch(/email/);
    expect((letters[0]!.raw as { data: { big: string } }).data.big).toBe('9223372036854775807');
    await deadLetter.remove([letters[0]!.seq]);
    expect((await deadLetter.list()).map((l) => l.id)).toEqual(['p5', 'p9']);
    expect((await deadLetter.list({ afterSeq: letters[1]!.seq })).map((l) => l.id)).toEqual(['p9']);
    await deadLetter.close();
    await other.close();
  });
});

const letter = (id: string, version: bigint, reason: string, at = new Date()): DeadLetter => ({
  source: 'crm',
  entity: 'person',
  id,
  version,
  raw: { id, big: 2n ** 64n },
  reason,
  code: 'VALIDATION',
  error: new Error(reason),
  at,
});

// The same behaviour on PGlite and on a real server, through the SqlClient port.
const engines: Array<[string, () => Promise<SqlClient | undefined>]> = [
  ['pglite', () => pgliteSqlClient()],
  [
    'postgresql',
    async () => (servers.postgresUrl ? postgresSqlClient({ url: await servers.freshDatabase(), max: 2 }) : undefined),
  ],
];

describe.each(engines)('PostgresDeadLetterSink on %s', (_engine, open) => {
  let db: SqlClient | undefined;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('stores a dead letter written twice once: the latest reason and time win, the row keeps its seq', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    const sink = new PostgresDeadLetterSink({ db, namespace: 'twice' });
    await sink.write([
      letter('p1', 2n ** 63n - 1n, 'email: invalid', new Date('2026-01-01T00:00:00Z')),
      letter('p2', 7n, 'name: required'),
    ]);
    const [first] = await sink.list({ source: 'crm' });
    await sink.write([letter('p1', 2n ** 63n - 1n, 'email: still invalid', new Date('2026-01-02T00:00:00Z'))]);
    // A batch repeating a key keeps its last entry; a new version of a record is a new dead letter.
    await sink.write([letter('p2', 7n, 'a'), letter('p2', 7n, 'b'), letter('p1', 2n ** 63n, 'email: invalid again')]);
    const letters = await sink.list({ source: 'crm', entity: 'person' });
    expect(letters.map((l) => [l.id, l.version, l.reason])).toEqual([
      ['p1', '9223372036854775807', 'email: still invalid'],
      ['p2', '7', 'b'],
      ['p1', '9223372036854775808', 'email: invalid again'],
    ]);
    expect(letters[0]!.seq).toBe(first!.seq);
    expect(letters[0]!.at.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect((letters[0]!.raw as { big: string }).big).toBe('18446744073709551616');
    expect(await new PostgresDeadLetterSink({ db, namespace: 'other' }).count()).toBe(0);
    await sink.remove([letters[1]!.seq]);
    expect(await sink.count({ source: 'crm' })).toBe(2);
    await sink.close();
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]); // a borrowed db stays open
  });

  it('stores a record holding characters jsonb refuses (NUL, lone surrogates) instead of failing the batch', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    const sink = new PostgresDeadLetterSink({ db, namespace: 'unstorable' });
    const raw = { name: 'a\u0000b', lone: 'x\ud800y', pair: '\ud83d\ude00', reason: 'ok' };
    await sink.write([{ ...letter('p1', 1n, 'name: NUL\u0000 inside'), raw }, letter('p2', 1n, 'fine')]);
    const letters = await sink.list();
    expect(letters.map((l) => [l.id, l.reason])).toEqual([
      ['p1', 'name: NUL\ufffd inside'],
      ['p2', 'fine'],
    ]);
    expect(letters[0]!.raw).toEqual({ name: 'a\ufffdb', lone: 'x\ufffdy', pair: '\ud83d\ude00', reason: 'ok' });
  });

  it('a sync re-run after a crash (dead letters written, batch not) stores each dead letter once', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    const deadLetter = new PostgresDeadLetterSink({ db, namespace: 'crash' });
    const table = new VersionedTable<{ email: string }>({ startVersion: 10n });
    for (let i = 0; i < 12; i++) table.upsert(`p${i}`, { email: i % 3 === 0 ? 'broken' : `p${i}@example.com` });
    const checkpoints = new MemoryCheckpointStore();
    const memory = createMemorySyncSink<{ email: string }>();
    let crashes = 2;
    const crashing = {
      write: async (batch: SyncBatch<{ email: string }>, context: { signal: AbortSignal }) => {
        // Dies once the page's dead letters are stored but before its data and checkpoint are.
        if (batch.page === 2 && crashes-- > 0) throw new Error('killed');
        await memory.write(batch, context);
      },
    };
    const schema = z.object({ email: z.email() });
    const run = () =>
      runIncrementalSync({
        source: 'crm',
        entity: 'person',
        fetchPage: table.fetcher(),
        checkpoints,
        sink: crashing,
        deadLetter,
        pageSize: 4,
        transform: (row) => schema.parse(row.data),
      });
    await expect(run()).rejects.toThrow('killed');
    await expect(run()).rejects.toThrow('killed');
    await run();
    expect((await deadLetter.list({ source: 'crm' })).map((l) => l.id).sort()).toEqual(['p0', 'p3', 'p6', 'p9']);
    expect(await deadLetter.count({ source: 'crm', entity: 'person' })).toBe(4);
    expect(memory.rows.size).toBe(8);
  });

  it('migrates a table of the previous version: duplicates removed (the latest kept), then unique', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    // The previous version's table: only the first migration, and duplicate rows from crash re-reads.
    const [create] = deadLetterMigrations('legacy_dead_letters');
    for (const statement of create!.sql) await db.query(statement);
    const insert = `INSERT INTO legacy_dead_letters (namespace, source, entity, record_id, version, reason, at) VALUES ($1, 'crm', 'person', $2, $3, $4, $5)`;
    await db.query(insert, ['', 'p1', '5', 'old reason', '2026-01-01T00:00:00Z']);
    await db.query(insert, ['', 'p1', '5', 'newer reason', '2026-01-02T00:00:00Z']);
    await db.query(insert, ['', 'p1', '6', 'another version', '2026-01-02T00:00:00Z']);
    await db.query(insert, ['x', 'p1', '5', 'another namespace', '2026-01-02T00:00:00Z']);
    await db.query(insert, ['', 'p2', '5', 'single', '2026-01-03T00:00:00Z']);
    await db.query(insert, ['', 'p1', '5', 'newest reason', '2026-01-04T00:00:00Z']);
    const sink = new PostgresDeadLetterSink({ db, table: 'legacy_dead_letters' });
    expect((await sink.list()).map((l) => [l.id, l.version, l.reason])).toEqual([
      ['p1', '6', 'another version'],
      ['p2', '5', 'single'],
      ['p1', '5', 'newest reason'],
    ]);
    await sink.write([letter('p2', 5n, 'single, again')]);
    expect(await sink.count()).toBe(3);
    expect(await new PostgresDeadLetterSink({ db, table: 'legacy_dead_letters', namespace: 'x' }).count()).toBe(1);
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM relaykit_schema_migrations WHERE scope = 'dead-letters:legacy_dead_letters' ORDER BY id`,
    );
    expect(rows.map((r) => r.id)).toEqual(['001-create', '002-unique-record']);
  });

  it('writes with the caller client in the caller transaction, rolled back with it', async (ctx) => {
    if (!db) return ctx.skip('no PostgreSQL server on this machine (the run printed why; CI=true fails instead)');
    const sink = new PostgresDeadLetterSink({ db, table: 'tx_dead_letters' });
    await expect(
      db.transaction(async (tx) => {
        await sink.writeWithClient(tx, [letter('p1', 1n, 'bad')]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await sink.count()).toBe(0);
    await db.transaction((tx) => sink.writeWithClient(tx, [letter('p1', 1n, 'bad')]));
    expect(await sink.count()).toBe(1);
  });
});
