import { RelaykitError, ValidationError } from '../errors/index.js';
import { fromJsonb, toJsonb } from '../sql/jsonb.js';
import { migrateOnce, type Migration } from '../sql/migrate.js';
import type { SqlClient } from '../sql/types.js';
import { IdempotencyMismatchError } from './errors.js';
import { fromTaggedJson, toTaggedJson } from './json.js';
import type {
  IdempotencyBegin,
  IdempotencyBeginOptions,
  IdempotencyReleaseOptions,
  IdempotencyStore,
} from './types.js';
import { beginLockTtl, storeTtls, validateIdempotencyArgs, validateTtl } from './validate.js';

/**
 * Seals stored results (e.g. with an {@link EnvelopeCipher}): `context` names the row (`idempotency:<scope>:<key>`),
 * to bind as additional authenticated data so a sealed result moved to another key does not open.
 */
export interface IdempotencyResultCodec {
  encode(value: unknown, context: string): Promise<string>;
  decode(text: string, context: string): Promise<unknown>;
}

/** Options of {@link SqlIdempotencyStore}. */
export interface SqlIdempotencyStoreOptions {
  /** The database: PostgreSQL or PGlite (not closed by the store). */
  db: SqlClient;
  /** Table name, a plain identifier (default `relaykit_idempotency`), created on first use. */
  table?: string;
  /** Default in-flight claim TTL (ms). Default 5 min. */
  lockTtlMs?: number;
  /** Default result TTL (ms). Default 24 h. */
  ttlMs?: number;
  /**
   * Seals results at rest. Without it results are stored as jsonb (bigints tagged, as the other adapters store
   * them); rows written before a codec was configured still read.
   */
  codec?: IdempotencyResultCodec;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The migrations of an idempotency table, for {@link applyMigrations} (scope `idempotency:<table>`). The first is
 * `CREATE TABLE IF NOT EXISTS`, so a table created by an older release (the gateway's) is adopted as it is.
 */
export function idempotencyMigrations(table = 'relaykit_idempotency'): Migration[] {
  const t = quote(table);
  return [
    {
      id: '001-create',
      sql: `CREATE TABLE IF NOT EXISTS ${t} (
  scope text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  state text NOT NULL,
  result jsonb,
  locked_until timestamptz,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
)`,
    },
    { id: '002-owner', sql: `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS owner text` },
  ];
}

/**
 * An idempotency store in a PostgreSQL table, on a server or on embedded PGlite (any {@link SqlClient}), so stored
 * responses live as long as the database and beside the data they describe. Each call is one statement: concurrent
 * begins from any number of processes see exactly one `new`. Expired rows are replaced when their key is used again;
 * deleting the rest (`expires_at < now()`) is the owner's housekeeping. A result of `undefined` comes back as `null`.
 *
 * @example
 * ```ts
 * const store = new SqlIdempotencyStore({ db: postgresSqlClient({ url: process.env.DATABASE_URL! }) });
 * const begun = await store.begin(tenant, idempotencyKey, fingerprint);
 * ```
 */
export class SqlIdempotencyStore implements IdempotencyStore {
  private readonly db: SqlClient;
  private readonly table: string;
  private readonly quoted: string;
  private readonly lockTtlMs: number;
  private readonly ttlMs: number;
  private readonly codec: IdempotencyResultCodec | undefined;

  constructor(options: SqlIdempotencyStoreOptions) {
    this.db = options.db;
    this.table = options.table ?? 'relaykit_idempotency';
    this.quoted = quote(this.table);
    ({ lockTtlMs: this.lockTtlMs, ttlMs: this.ttlMs } = storeTtls(options));
    validateTtl('lockTtlMs', this.lockTtlMs);
    validateTtl('ttlMs', this.ttlMs);
    this.codec = options.codec;
    this.migrate = migrateOnce(this.db, {
      scope: `idempotency:${this.table}`,
      migrations: idempotencyMigrations(this.table),
    });
  }

  /** Creates or upgrades the table (once per store; safe from many processes at once). Called on first use. */
  readonly migrate: () => Promise<void>;

  async begin<TResult = unknown>(
    scope: string,
    key: string,
    fingerprint: string,
    options: IdempotencyBeginOptions = {},
  ): Promise<IdempotencyBegin<TResult>> {
    const lockTtlMs = beginLockTtl(scope, key, fingerprint, options, this.lockTtlMs);
    refuseNul(scope, key, fingerprint);
    await this.migrate();
    const t = this.quoted;
    // An expired record or an abandoned claim is taken over; otherwise the existing row decides. The CTE answers in
    // one statement, so a row that expires between a failed insert and a read cannot be missed.
    const { rows } = await this.db.query<{
      inserted: boolean;
      fingerprint: string;
      state: string;
      result: unknown;
      retry_after_ms: number | null;
    }>(
      `WITH claimed AS (
         INSERT INTO ${t} AS i (scope, key, fingerprint, state, owner, locked_until, expires_at)
         VALUES ($1, $2, $3, 'in_flight', $4, now() + $5 * interval '1 millisecond', now() + $6 * interval '1 millisecond')
         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight', result = NULL,
           owner = excluded.owner, locked_until = excluded.locked_until, expires_at = excluded.expires_at
         WHERE i.expires_at <= now() OR (i.state = 'in_flight' AND i.locked_until <= now())
         RETURNING true AS inserted)
       SELECT true AS inserted, NULL AS fingerprint, NULL AS state, NULL::jsonb AS result, NULL::float8 AS retry_after_ms
         FROM claimed
       UNION ALL
       SELECT false, fingerprint, state, result,
              GREATEST(0, EXTRACT(EPOCH FROM (locked_until - now())) * 1000)::float8
         FROM ${t} WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`,
      [scope, key, fingerprint, options.owner ?? null, Math.ceil(lockTtlMs), this.ttlMs],
    );
    const row = rows[0];
    // The conflicting row was deleted between the insert and the read (housekeeping): claim again.
    if (!row) return this.begin(scope, key, fingerprint, options);
    if (row.inserted) return { state: 'new' };
    if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
    if (row.state === 'in_flight')
      return row.retry_after_ms === null
        ? { state: 'in_flight' }
        : { state: 'in_flight', retryAfterMs: Math.ceil(row.retry_after_ms) };
    return { state: 'completed', result: (await this.decode(row.result, scope, key)) as TResult };
  }

  async complete(scope: string, key: string, fingerprint: string, result: unknown, ttlMs = this.ttlMs): Promise<void> {
    validateIdempotencyArgs(scope, key, fingerprint);
    refuseNul(scope, key, fingerprint);
    validateTtl('ttlMs', ttlMs);
    await this.migrate();
    const t = this.quoted;
    const { rowCount } = await this.db.query(
      `INSERT INTO ${t} AS i (scope, key, fingerprint, state, result, expires_at)
       VALUES ($1, $2, $3, 'completed', $4, now() + $5 * interval '1 millisecond')
       ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'completed',
         result = excluded.result, owner = NULL, locked_until = NULL, expires_at = excluded.expires_at
       WHERE i.fingerprint = excluded.fingerprint OR i.expires_at <= now()
          OR (i.state = 'in_flight' AND i.locked_until <= now())`,
      [scope, key, fingerprint, await this.encode(result, scope, key), Math.ceil(ttlMs)],
    );
    if (rowCount === 0) throw new IdempotencyMismatchError(key);
  }

  async release(scope: string, key: string, options: IdempotencyReleaseOptions = {}): Promise<void> {
    validateIdempotencyArgs(scope, key);
    refuseNul(scope, key);
    await this.migrate();
    // Never drops a completed result: only an in-flight claim, and with an owner only that owner's.
    await this.db.query(
      `DELETE FROM ${this.quoted} WHERE scope = $1 AND key = $2 AND state = 'in_flight'
         AND ($3::text IS NULL OR owner = $3::text)`,
      [scope, key, options.owner ?? null],
    );
  }

  /** Leaves the database open: it was handed in. */
  async close(): Promise<void> {}

  private async encode(result: unknown, scope: string, key: string): Promise<string> {
    if (this.codec) return JSON.stringify(await this.codec.encode(result, context(scope, key)));
    return toJsonb(result, (value) => toTaggedJson(value ?? null));
  }

  private async decode(stored: unknown, scope: string, key: string): Promise<unknown> {
    // Sealed results are jsonb strings; ones stored before a codec was configured are plain jsonb.
    if (this.codec && typeof stored === 'string') return this.codec.decode(stored, context(scope, key));
    const unwrapped = fromJsonb(stored, fromTaggedJson);
    return unwrapped === stored ? revive(stored) : unwrapped;
  }
}

/** Bigints were tagged on the way in; jsonb gave the tags back as objects. */
const revive = (stored: unknown): unknown => (stored === null ? null : fromTaggedJson(JSON.stringify(stored)));

/** Additional authenticated data of a stored result: an envelope moved to another key's row does not open. */
const context = (scope: string, key: string) => `idempotency:${scope}:${key}`;

/** PostgreSQL text cannot hold NUL: refused as a validation error rather than left to the driver. */
function refuseNul(scope: string, key: string, fingerprint?: string): void {
  for (const [name, value] of [
    ['scope', scope],
    ['key', key],
    ['fingerprint', fingerprint],
  ] as const)
    if (value?.includes('\u0000'))
      throw new ValidationError(`Idempotency ${name} must not contain NUL characters in a SQL store`, [
        { path: [name], message: 'must not contain NUL (\\u0000)' },
      ]);
}

function quote(table: string): string {
  if (!IDENT.test(table)) throw new RelaykitError('CONFIG', `invalid idempotency table name ${JSON.stringify(table)}`);
  return `"${table}"`;
}
