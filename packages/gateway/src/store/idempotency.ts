import type { IdempotencyBegin, IdempotencyStore } from '@relaykit/sdk-core';
import { plainCodec, type PayloadCodec } from './codec.js';
import { fromJsonb, toJsonb } from './jsonb.js';
import type { SqlClient } from './sql.js';

/**
 * sdk-core's `IdempotencyStore` on the gateway's database, so a stored response lives as
 * long as the job it names (a Redis restart loses neither). A stored response can quote the job's
 * input and result (a `?wait=` answer): with a sealing `codec` (the one job payloads use) it is
 * kept encrypted, bound to its scope and key.
 */
export class SqlIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly defaultTtlMs = 24 * 3_600_000,
    private readonly codec: PayloadCodec = plainCodec,
  ) {}

  async begin<TResult = unknown>(
    scope: string,
    key: string,
    fingerprint: string,
    options: { lockTtlMs?: number } = {},
  ): Promise<IdempotencyBegin<TResult>> {
    const lockMs = String(options.lockTtlMs ?? 5 * 60_000);
    // Expired records and abandoned locks are replaced; otherwise the existing row decides.
    const { rows } = await this.sql.query<{ inserted: boolean; fingerprint: string; state: string; result: TResult }>(
      `INSERT INTO relaykit_idempotency (scope, key, fingerprint, state, locked_until, expires_at)
       VALUES ($1, $2, $3, 'in_flight', now() + ($4 || ' milliseconds')::interval, now() + ($5 || ' milliseconds')::interval)
       ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight', result = NULL,
         locked_until = excluded.locked_until, expires_at = excluded.expires_at
         WHERE relaykit_idempotency.expires_at < now() OR (relaykit_idempotency.state = 'in_flight' AND relaykit_idempotency.locked_until < now())
       RETURNING true AS inserted, fingerprint, state, result`,
      [scope, key, fingerprint, lockMs, String(this.defaultTtlMs)],
    );
    if (rows[0]) return { state: 'new' };
    const existing = await this.sql.query<{ fingerprint: string; state: string; result: TResult }>(
      'SELECT fingerprint, state, result FROM relaykit_idempotency WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const row = existing.rows[0];
    if (!row) return this.begin(scope, key, fingerprint, options);
    if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
    if (row.state === 'in_flight') return { state: 'in_flight' };
    // Sealed results are jsonb strings; ones stored before encryption was on are plain JSON.
    const result =
      typeof row.result === 'string' && this.codec.encrypted
        ? ((await this.codec.decode(row.result, context(scope, key))) as TResult)
        : (fromJsonb(row.result) as TResult);
    return { state: 'completed', result };
  }

  async complete(
    scope: string,
    key: string,
    fingerprint: string,
    result: unknown,
    ttlMs = this.defaultTtlMs,
  ): Promise<void> {
    await this.sql.query(
      `UPDATE relaykit_idempotency SET state = 'completed', result = $4, locked_until = NULL, expires_at = now() + ($5 || ' milliseconds')::interval
       WHERE scope = $1 AND key = $2 AND fingerprint = $3`,
      [
        scope,
        key,
        fingerprint,
        this.codec.encrypted ? JSON.stringify(await this.codec.encode(result, context(scope, key))) : toJsonb(result),
        String(ttlMs),
      ],
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.sql.query(`DELETE FROM relaykit_idempotency WHERE scope = $1 AND key = $2 AND state = 'in_flight'`, [
      scope,
      key,
    ]);
  }

  async close(): Promise<void> {}
}

/** Additional authenticated data of a stored response: an envelope moved to another key's row does not open. */
const context = (scope: string, key: string) => `idempotency:${scope}:${key}`;
