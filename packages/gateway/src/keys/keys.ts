import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidScopeError } from '../errors/index.js';
import type { SqlClient } from '../store/sql.js';

/** A stored API key (never the secret: only its SHA-256 hash is kept). */
export interface ApiKey {
  id: string;
  name: string;
  environment: string;
  /** `*`, `<instance>` (same as `<instance>:*`), `<instance>:*` or `<instance>:<operation>`. */
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
  /** Last accepted use, to the minute (written at most once a minute per key); listed keys only. */
  lastUsedAt?: string | null;
  /** Last rotation; listed keys only. */
  rotatedAt?: string | null;
  /** Until when the secret replaced by the last rotation is still accepted; listed keys only. */
  previousValidUntil?: string | null;
}

/** Longest grace period of a rotation: a week. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

/** How often the last use of one key is written (per process; the SQL also skips a write younger than this). */
const LAST_USED_EVERY_MS = 60_000;

const KEY_PATTERN = /^rk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

// Instance names follow the configuration's rule; operation names are the connector's keys.
const SCOPE_PATTERN = /^(?:\*|[a-z0-9][a-z0-9_-]{0,62}(?::(?:\*|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?)$/;

/**
 * Operator permissions a key (or a console user) can hold: `admin:read` (operator API reads, payloads masked),
 * `admin:operate` (retry, cancel, replay, discard, resolve errors), `admin:reveal` (clear values of masked payloads),
 * `admin:keys`, `admin:users`, `admin:privacy`. `*` grants none of them; `admin` or `admin:*` grants them all.
 */
export const ADMIN_PERMISSIONS = [
  'admin:read',
  'admin:operate',
  'admin:reveal',
  'admin:keys',
  'admin:users',
  'admin:privacy',
] as const;

/** One of `ADMIN_PERMISSIONS`. */
export type AdminPermission = (typeof ADMIN_PERMISSIONS)[number];

const isAdminScope = (scope: string) => scope === 'admin' || scope.startsWith('admin:');
const ADMIN_SCOPES = new Set<string>(['admin', 'admin:*', ...ADMIN_PERMISSIONS]);

/**
 * The scopes of `scopes` that do not follow the grammar: `*` (everything in the key's environment),
 * `<instance>` or `<instance>:*` (every operation of one instance), `<instance>:<operation>`, or an operator
 * permission (`admin:read`, ... see `ADMIN_PERMISSIONS`; `admin:*` or `admin` for all of them).
 */
export function invalidScopes(scopes: readonly string[]): string[] {
  return scopes.filter(
    (scope) =>
      typeof scope !== 'string' || (isAdminScope(scope) ? !ADMIN_SCOPES.has(scope) : !SCOPE_PATTERN.test(scope)),
  );
}

/** The operator permissions `scopes` grant (`admin`/`admin:*`: all; `*` none: it names instances only). */
export function adminPermissionsOf(scopes: readonly string[]): AdminPermission[] {
  if (scopes.some((s) => s === 'admin' || s === 'admin:*')) return [...ADMIN_PERMISSIONS];
  return ADMIN_PERMISSIONS.filter((p) => scopes.includes(p));
}

/**
 * Throws an {@link InvalidScopeError} listing every scope that does not follow the grammar (see
 * {@link invalidScopes}), or when there is none: a key without scopes could do nothing.
 */
export function assertValidScopes(scopes: readonly string[]): void {
  if (!scopes.length)
    throw new InvalidScopeError(
      [],
      'An API key needs at least one scope: "*", "<instance>", "<instance>:*" or "<instance>:<operation>".',
    );
  const bad = invalidScopes(scopes);
  if (bad.length) {
    throw new InvalidScopeError(
      bad,
      `Invalid scope${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')}: use "*", "<instance>", "<instance>:*", "<instance>:<operation>" or an operator permission (${ADMIN_PERMISSIONS.join(', ')}, admin:*) (instance names are lower-case letters, digits, "-" and "_"; no other wildcards).`,
    );
  }
}

/** True when `scopes` allow `operation` on `instance` (`operation` undefined: any operation, e.g. reading jobs). */
export function scopeAllows(scopes: readonly string[], instance: string, operation?: string): boolean {
  return scopes.some((scope) => {
    if (scope === '*') return true;
    // Operator permissions name no instance, even one called "admin".
    if (isAdminScope(scope)) return false;
    // Fail closed on a malformed scope stored before creation validated them: `a:b:c` grants nothing, not `a:b`.
    if (!SCOPE_PATTERN.test(scope)) return false;
    const [i, o = '*'] = scope.split(':', 2);
    if (i !== instance) return false;
    return o === '*' || operation === undefined || o === operation;
  });
}

/**
 * The scope that lets a key manage the keys of its own environment through `/v1/admin/keys`. `*` does not include
 * it: `*` names every instance, and administering keys is not an operation of an instance.
 */
export const ADMIN_KEYS_SCOPE = 'admin:keys';

/** True when `scopes` grant key administration (`admin:keys`, `admin:*` or `admin`). */
export function grantsKeyAdmin(scopes: readonly string[]): boolean {
  return scopes.some((s) => s === ADMIN_KEYS_SCOPE || s === 'admin:*' || s === 'admin');
}

/** True when `scopes` grant `permission` (the scope itself, `admin:*` or `admin`); `*` does not. */
export function grantsPermission(scopes: readonly string[], permission: AdminPermission): boolean {
  return scopes.some((s) => s === permission || s === 'admin:*' || s === 'admin');
}

/**
 * Creates, verifies, lists and revokes API keys. Verified keys are cached for `cacheMs` (default
 * 1 s, by the secret's hash, never the secret) so a busy key costs no query per request; a
 * revocation therefore takes effect within that long on every process.
 */
export class ApiKeyStore {
  private readonly cache = new Map<string, { key: ApiKey; until: number }>();
  private readonly pending = new Map<string, Promise<ApiKey | undefined>>();
  // Bumped by revoke and rotate: a lookup that read the row before must not cache it afterwards.
  private revocations = 0;
  /** When this process last wrote each key's last use. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly sql: SqlClient,
    private readonly options: { cacheMs?: number } = {},
  ) {}

  /**
   * Creates a key; the returned `secret` is shown once and never stored. Throws an
   * {@link InvalidScopeError} listing the scopes that do not follow the grammar (nothing is created).
   */
  async create(input: {
    name: string;
    environment: string;
    scopes: string[];
  }): Promise<{ key: ApiKey; secret: string }> {
    assertValidScopes(input.scopes);
    const id = randomBytes(9)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '0')
      .slice(0, 12)
      .padEnd(12, '0');
    const secret = `rk_${id}_${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.sql.query<{ created_at: Date }>(
      'INSERT INTO relaykit_api_keys (id, name, environment, scopes, hash) VALUES ($1, $2, $3, $4, $5) RETURNING created_at',
      [id, input.name, input.environment, JSON.stringify(input.scopes), sha256(secret).toString('hex')],
    );
    return {
      key: {
        id,
        name: input.name,
        environment: input.environment,
        scopes: input.scopes,
        createdAt: new Date(rows[0]!.created_at).toISOString(),
        revokedAt: null,
        lastUsedAt: null,
        rotatedAt: null,
        previousValidUntil: null,
      },
      secret,
    };
  }

  /** The key `secret` belongs to when it is valid and not revoked; undefined otherwise. Constant-time on the hash. */
  async verify(secret: string): Promise<ApiKey | undefined> {
    const match = KEY_PATTERN.exec(secret);
    if (!match) return undefined;
    const presented = sha256(secret);
    const cacheKey = presented.toString('hex');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) {
      this.touch(cached.key.id);
      return cached.key;
    }
    // When a cached key expires under load, every request in flight would query at once: they share one lookup.
    let pending = this.pending.get(cacheKey);
    if (!pending) {
      pending = this.lookup(match[1]!, presented, cacheKey).finally(() => this.pending.delete(cacheKey));
      this.pending.set(cacheKey, pending);
    }
    const key = await pending;
    if (key) this.touch(key.id);
    return key;
  }

  /**
   * Records that a key was used, cheaply: at most one UPDATE a minute per key and process, fire-and-forget, and
   * the statement itself writes nothing when another process recorded a use within the minute.
   */
  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < LAST_USED_EVERY_MS) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(id, now);
    this.sql
      .query(
        `UPDATE relaykit_api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [id],
      )
      // Bookkeeping only: a failed write is retried on a use a minute later.
      .catch(() => this.touched.delete(id));
  }

  private async lookup(id: string, presented: Buffer, cacheKey: string): Promise<ApiKey | undefined> {
    const generation = this.revocations;
    const { rows } = await this.sql.query<{
      id: string;
      name: string;
      environment: string;
      scopes: string[];
      hash: string;
      previous_hash: string | null;
      previous_expires_at: Date | null;
      created_at: Date;
      revoked_at: Date | null;
    }>('SELECT * FROM relaykit_api_keys WHERE id = $1', [id]);
    const row = rows[0];
    // Compare even when the id is unknown so timing does not tell which ids exist.
    const stored = row ? Buffer.from(row.hash, 'hex') : Buffer.alloc(32);
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    // The secret a rotation replaced is accepted until its grace period ends, and cached no longer than that.
    const previousUntil = row?.previous_expires_at ? new Date(row.previous_expires_at).getTime() : 0;
    const previous = row?.previous_hash ? Buffer.from(row.previous_hash, 'hex') : Buffer.alloc(32);
    const equalPrevious =
      previous.length === presented.length && timingSafeEqual(previous, presented) && previousUntil > Date.now();
    if (!row || !(equal || equalPrevious) || row.revoked_at) return undefined;
    const key: ApiKey = {
      id: row.id,
      name: row.name,
      environment: row.environment,
      scopes: row.scopes,
      createdAt: new Date(row.created_at).toISOString(),
      revokedAt: null,
    };
    const cacheMs = this.options.cacheMs ?? 1000;
    if (cacheMs > 0 && generation === this.revocations) {
      if (this.cache.size > 10_000) this.cache.clear();
      const until = Date.now() + cacheMs;
      this.cache.set(cacheKey, { key, until: equal ? until : Math.min(until, previousUntil) });
    }
    return key;
  }

  /** Every key (revoked ones too), oldest first, with last use and rotation. */
  async list(): Promise<ApiKey[]> {
    return this.select('ORDER BY created_at', []);
  }

  /** The key with this id (revoked or not); undefined when there is none. */
  async get(id: string): Promise<ApiKey | undefined> {
    return (await this.select('WHERE id = $1', [id]))[0];
  }

  private async select(clause: string, params: unknown[]): Promise<ApiKey[]> {
    const { rows } = await this.sql.query<{
      id: string;
      name: string;
      environment: string;
      scopes: string[];
      created_at: Date;
      revoked_at: Date | null;
      last_used_at: Date | null;
      rotated_at: Date | null;
      previous_expires_at: Date | null;
    }>(
      `SELECT id, name, environment, scopes, created_at, revoked_at, last_used_at, rotated_at, previous_expires_at FROM relaykit_api_keys ${clause}`,
      params,
    );
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      environment: r.environment,
      scopes: r.scopes,
      createdAt: iso(r.created_at)!,
      revokedAt: iso(r.revoked_at),
      lastUsedAt: iso(r.last_used_at),
      rotatedAt: iso(r.rotated_at),
      previousValidUntil:
        r.previous_expires_at && new Date(r.previous_expires_at).getTime() > Date.now()
          ? iso(r.previous_expires_at)
          : null,
    }));
  }

  /**
   * Gives an active key a new secret (returned once, never stored). The old secret keeps working for
   * `graceSeconds` (0: not at all), then is refused like an unknown one (within the ~1 s key cache on other
   * processes). A secret an earlier rotation left in its grace period ends now. Undefined when there is no such
   * active key.
   */
  async rotate(id: string, graceSeconds: number): Promise<{ key: ApiKey; secret: string } | undefined> {
    const grace = Math.max(0, Math.min(MAX_ROTATION_GRACE_SECONDS, Math.floor(graceSeconds)));
    const secret = `rk_${id}_${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.sql.query(
      `UPDATE relaykit_api_keys SET previous_hash = CASE WHEN $3::int > 0 THEN hash END,
         previous_expires_at = CASE WHEN $3::int > 0 THEN now() + $3::int * interval '1 second' END,
         hash = $2, rotated_at = now()
       WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id, sha256(secret).toString('hex'), grace],
    );
    this.forget(id);
    if (!rows.length) return undefined;
    const key = await this.get(id);
    return key && { key, secret };
  }

  /** Drops this process's cached verifications of a key (after a revocation or rotation). */
  private forget(id: string): void {
    this.revocations++;
    for (const [hash, entry] of this.cache) if (entry.key.id === id) this.cache.delete(hash);
  }

  /** Revokes a key by id; false when there is no such active key. */
  async revoke(id: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      'UPDATE relaykit_api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id],
    );
    this.forget(id);
    return rows.length > 0;
  }
}
