// The SQL idempotency store on embedded PGlite: the adapters' shared suite, plus what only a SQL table has (a sealing
// codec, adopting the table an older gateway created, NUL refused). sql.int.test.ts runs the suite on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvelopeCipher, generateKey } from '../crypto/envelope.js';
import { isValidationError, RelaykitError } from '../errors/index.js';
import { pgliteSqlClient } from '../sql/pglite.js';
import type { SqlClient } from '../sql/types.js';
import { idempotencyStoreContract } from '../test-support/idempotency/store.contract.js';
import { fromTaggedJson, toTaggedJson } from './json.js';
import { type IdempotencyResultCodec, SqlIdempotencyStore } from './sql.js';

let shared: Promise<SqlClient> | undefined;
const db = () => (shared ??= pgliteSqlClient());
// Starting PGlite takes seconds on a busy machine: not in the first test's time.
beforeAll(async () => {
  await db();
}, 120_000);
afterAll(async () => {
  await (await db()).close();
});
let tables = 0;
const freshTable = () => `idem_${++tables}_${Math.random().toString(36).slice(2, 8)}`;

/** Seals with sdk-core's envelope cipher, binding the row's context (tagged JSON inside, so bigints survive). */
function sealing(): IdempotencyResultCodec {
  const cipher = createEnvelopeCipher({ keys: [{ id: 'k1', key: generateKey() }] });
  return {
    encode: async (value, context) => `enc:${cipher.encrypt(toTaggedJson(value), { aad: context })}`,
    decode: async (text, context) => fromTaggedJson(cipher.decryptString(text.slice(4), { aad: context })),
  };
}

describe('SqlIdempotencyStore on PGlite', () => {
  idempotencyStoreContract('pglite', async () => new SqlIdempotencyStore({ db: await db(), table: freshTable() }));
  idempotencyStoreContract(
    'pglite, sealed',
    async () => new SqlIdempotencyStore({ db: await db(), table: freshTable(), codec: sealing() }),
  );

  it('keeps sealed results out of the table in clear, bound to their key', async () => {
    const table = freshTable();
    const store = new SqlIdempotencyStore({ db: await db(), table, codec: sealing() });
    await store.begin('t', 'a', 'fp');
    await store.complete('t', 'a', 'fp', { card: '4111111111111111' });
    await store.begin('t', 'b', 'fp');
    const { rows } = await (await db()).query<{ row: string; result: string }>(
      `SELECT t::text AS row, result #>> '{}' AS result FROM ${table} t`,
    );
    expect(rows[0]!.row).not.toContain('4111');
    expect(rows[0]!.result).toMatch(/^enc:/);
    // The envelope pasted into another key's row does not open there.
    await (await db()).query(`UPDATE ${table} SET state = 'completed', result = to_jsonb($1::text) WHERE key = 'b'`, [
      rows[0]!.result,
    ]);
    await expect(store.begin('t', 'b', 'fp')).rejects.toThrow();
    expect(await store.begin('t', 'a', 'fp')).toEqual({ state: 'completed', result: { card: '4111111111111111' } });
  });

  it('adopts the table an older gateway created (no owner column) and reads its rows, sealed or not', async () => {
    const table = freshTable();
    const pglite = await db();
    await pglite.query(`CREATE TABLE ${table} (scope text NOT NULL, key text NOT NULL, fingerprint text NOT NULL,
      state text NOT NULL, result jsonb, locked_until timestamptz, expires_at timestamptz NOT NULL, PRIMARY KEY (scope, key))`);
    await pglite.query(
      `INSERT INTO ${table} VALUES ('apikey:1', 'old', 'fp', 'completed', '{"status":201,"body":{"id":"j1"}}', NULL, now() + interval '1 hour')`,
    );
    const store = new SqlIdempotencyStore({ db: pglite, table, codec: sealing() });
    expect(await store.begin('apikey:1', 'old', 'fp')).toEqual({
      state: 'completed',
      result: { status: 201, body: { id: 'j1' } },
    });
    await store.begin('apikey:1', 'new', 'fp', { owner: 'me' });
    const { rows } = await pglite.query<{ owner: string }>(`SELECT owner FROM ${table} WHERE key = 'new'`);
    expect(rows).toEqual([{ owner: 'me' }]);
  });

  it('refuses NUL in a scope, key or fingerprint as a ValidationError, and a table name that is no identifier', async () => {
    const store = new SqlIdempotencyStore({ db: await db(), table: freshTable() });
    for (const args of [
      ['a\u0000', 'k', 'fp'],
      ['a', 'k\u0000', 'fp'],
      ['a', 'k', 'f\u0000p'],
    ] as const)
      expect(isValidationError(await store.begin(args[0], args[1], args[2]).catch((e: unknown) => e))).toBe(true);
    expect(() => new SqlIdempotencyStore({ db: {} as SqlClient, table: 'x; DROP TABLE y' })).toThrow(RelaykitError);
  });
});
