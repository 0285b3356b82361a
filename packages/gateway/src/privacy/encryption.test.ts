import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlIdempotencyStore, createEnvelopeCipher, generateKey, isRelaykitError } from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/program.js';
import { AuditLog } from '../store/audit.js';
import { encryptingCodec } from '../store/codec.js';
import { JobStore } from '../store/job-store.js';
import { migrate } from '../store/migrations.js';
import { pgliteClient, type SqlClient } from '../store/sql.js';
import { assertSealingKeys, encryptionStatus, registerSealingKey, rotateEncryption } from './encryption.js';

const k1 = generateKey();
const k2 = generateKey();
const onlyK1 = createEnvelopeCipher({ keys: [{ id: 'k1', key: k1 }] });
const both = createEnvelopeCipher({
  keys: [
    { id: 'k1', key: k1 },
    { id: 'k2', key: k2 },
  ],
  primary: 'k2',
});
const onlyK2 = createEnvelopeCipher({ keys: [{ id: 'k2', key: k2 }] });
const JOBS = 3000;

describe('encryption key rotation (PGlite)', () => {
  let dir: string;
  let sql: SqlClient;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rk-rotate-'));
    sql = await pgliteClient(join(dir, 'db'));
    await migrate(sql);
    await registerSealingKey(sql, 'k1');
    const store = new JobStore(sql, encryptingCodec(onlyK1));
    for (let i = 0; i < JOBS; i += 500)
      await store.create(
        Array.from({ length: 500 }, (_, n) => ({
          id: `job_${String(i + n).padStart(8, '0')}`,
          kind: 'operation' as const,
          environment: 'development',
          instance: 'school',
          operation: 'message',
          input: { to: '+9779841234567', n: i + n },
          maxAttempts: 1,
        })),
      );
    for (let i = 0; i < 20; i++) {
      const id = `job_${String(i).padStart(8, '0')}`;
      await store.claim(id, 'w', 60_000);
      await store.succeed(id, 1, { sent: true, n: i });
    }
    const audit = new AuditLog(sql, { codec: encryptingCodec(onlyK1) });
    for (let i = 0; i < 50; i++)
      await audit.record({
        requestId: `r${i}`,
        apiKeyId: null,
        environment: null,
        method: 'POST',
        path: '/v1/x',
        instance: null,
        operation: null,
        jobId: null,
        status: 202,
        durationMs: 1,
        payload: { i },
      });
    await audit.flush();
    const idem = new SqlIdempotencyStore({ db: sql, ttlMs: 60_000, codec: encryptingCodec(onlyK1) });
    for (let i = 0; i < 10; i++) {
      await idem.begin('apikey:a', `k${i}`, 'fp');
      await idem.complete('apikey:a', `k${i}`, 'fp', { status: 202, body: { i } });
    }
  }, 120_000);
  afterAll(async () => {
    await sql?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports rows per key id, resumes after being killed mid-way, and leaves nothing on k1', async () => {
    const before = await encryptionStatus(sql);
    expect(before.keys).toEqual({ k1: JOBS + 20 + 50 + 10 });
    expect(before.columns['jobs.result']).toEqual({ k1: 20 });
    // Killed after a few committed batches (the process dies between batches: an exception after a commit).
    const killed = await rotateEncryption(sql, both, {
      batch: 250,
      onProgress: (p) => {
        if (p.thisRun >= 1000) throw new Error('killed');
      },
    }).catch((e: Error) => e);
    expect(killed).toBeInstanceOf(Error);
    const mid = await encryptionStatus(sql);
    expect(mid.keys.k2).toBe(1000);
    expect(mid.keys.k1).toBe(JOBS + 80 - 1000);
    // A gateway configured without k1 refuses to start, naming it.
    const refused = await assertSealingKeys(sql, ['k2'], 'k2').catch((e: unknown) => e);
    expect(isRelaykitError(refused) && refused.message).toMatch(/"k1".*not configured/);
    const progress: number[] = [];
    const { rotated, status } = await rotateEncryption(sql, both, {
      batch: 250,
      onProgress: (p) => void progress.push(p.rotated),
    });
    expect(rotated).toBe(JOBS + 80 - 1000);
    expect(progress[0]).toBe(1250); // resumed after the committed cursor, counting on
    expect(status.keys).toEqual({ k2: JOBS + 80 });
    await assertSealingKeys(sql, ['k2'], 'k2');
    // Every row reads with k2 alone.
    const store = new JobStore(sql, encryptingCodec(onlyK2));
    const { rows } = await sql.query<{ id: string }>('SELECT id FROM relaykit_jobs ORDER BY id');
    for (const { id } of rows) expect((await store.get(id))?.input).toMatchObject({ to: '+9779841234567' });
    expect((await store.get('job_00000003'))?.result).toEqual({ sent: true, n: 3 });
    const audit = await new AuditLog(sql, { codec: encryptingCodec(onlyK2) }).recent(50);
    expect(audit.map((a) => a.payload)).toContainEqual({ i: 7 });
    const idem = await new SqlIdempotencyStore({ db: sql, ttlMs: 60_000, codec: encryptingCodec(onlyK2) }).begin(
      'apikey:a',
      'k3',
      'fp',
    );
    expect(idem).toEqual({ state: 'completed', result: { status: 202, body: { i: 3 } } });
  }, 120_000);

  it('relaykit encryption status says when old keys can be retired', async () => {
    await sql.close();
    const file = join(dir, 'relaykit.yaml');
    await writeFile(
      file,
      JSON.stringify({
        database: { dataDir: join(dir, 'db') },
        encryption: { keys: [{ id: 'k2', key: k2 }], primary: 'k2' },
      }),
    );
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), env: {}, signals: false };
    expect(await runCli(['node', 'relaykit', 'encryption', 'status', '-c', file], io)).toBe(0);
    expect(out.join('\n')).toMatch(/jobs\.input\s+k2: 3000/);
    expect(out.join('\n')).toMatch(/older keys can be retired/);
    expect(await runCli(['node', 'relaykit', 'encryption', 'rotate', '-c', file], io)).toBe(0);
    expect(out.join('\n')).toMatch(/re-sealed 0 rows with k2/);
    sql = await pgliteClient(join(dir, 'db'));
  }, 60_000);
});
