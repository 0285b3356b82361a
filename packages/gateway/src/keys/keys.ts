import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlClient } from '../store/sql.js';

/** A stored API key (never the secret: only its SHA-256 hash is kept). */
export interface ApiKey {
  id: string;
  name: string;
  environment: string;
  /** `*`, `<instance>:*` or `<instance>:<operation>`. */
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

const KEY_PATTERN = /^rk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** True when `scopes` allow `operation` on `instance` (`operation` undefined: any operation, e.g. reading jobs). */
export function scopeAllows(scopes: readonly string[], instance: string, operation?: string): boolean {
  return scopes.some((scope) => {
    if (scope === '*') return true;
    const [i, o = '*'] = scope.split(':', 2);
    if (i !== instance) return false;
    return o === '*' || operation === undefined || o === operation;
  });
}

/**
 * Creates, verifies, lists and revokes API keys. Verified keys are cached for `cacheMs` (default
 * 1 s, by the secret's hash, never the secret) so a busy key costs no query per request; a
 * revocation therefore takes effect within that long on every process.
 */
export class ApiKeyStore {
  private readonly cache = new Map<string, { key: ApiKey; until: number }>();

  constructor(private readonly sql: SqlClient, private readonly options: { cacheMs?: number } = {}) {}

  /** Creates a key; the returned `secret` is shown once and never stored. */
  async create(input: { name: string; environment: string; scopes: string[] }): Promise<{ key: ApiKey; secret: string }> {
    const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12).padEnd(12, '0');
    const secret = `rk_${id}_${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.sql.query<{ created_at: Date }>(
      'INSERT INTO relaykit_api_keys (id, name, environment, scopes, hash) VALUES ($1, $2, $3, $4, $5) RETURNING created_at',
      [id, input.name, input.environment, JSON.stringify(input.scopes), sha256(secret).toString('hex')]);
    return { key: { id, name: input.name, environment: input.environment, scopes: input.scopes, createdAt: new Date(rows[0]!.created_at).toISOString(), revokedAt: null }, secret };
  }

  /** The key `secret` belongs to when it is valid and not revoked; undefined otherwise. Constant-time on the hash. */
  async verify(secret: string): Promise<ApiKey | undefined> {
    const match = KEY_PATTERN.exec(secret);
    if (!match) return undefined;
    const cacheKey = sha256(secret).toString('hex');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.key;
    const { rows } = await this.sql.query<{ id: string; name: string; environment: string; scopes: string[]; hash: string; created_at: Date; revoked_at: Date | null }>(
      'SELECT * FROM relaykit_api_keys WHERE id = $1', [match[1]]);
    const row = rows[0];
    const presented = sha256(secret);
    // Compare even when the id is unknown so timing does not tell which ids exist.
    const stored = row ? Buffer.from(row.hash, 'hex') : Buffer.alloc(32);
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (!row || !equal || row.revoked_at) return undefined;
    const key: ApiKey = { id: row.id, name: row.name, environment: row.environment, scopes: row.scopes, createdAt: new Date(row.created_at).toISOString(), revokedAt: null };
    const cacheMs = this.options.cacheMs ?? 1000;
    if (cacheMs > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(cacheKey, { key, until: Date.now() + cacheMs });
    }
    return key;
  }

  async list(): Promise<ApiKey[]> {
    const { rows } = await this.sql.query<{ id: string; name: string; environment: string; scopes: string[]; created_at: Date; revoked_at: Date | null }>(
      'SELECT id, name, environment, scopes, created_at, revoked_at FROM relaykit_api_keys ORDER BY created_at');
    return rows.map((r) => ({ id: r.id, name: r.name, environment: r.environment, scopes: r.scopes, createdAt: new Date(r.created_at).toISOString(), revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null }));
  }

  /** Revokes a key by id; false when there is no such active key. */
  async revoke(id: string): Promise<boolean> {
    const { rows } = await this.sql.query('UPDATE relaykit_api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id]);
    for (const [hash, entry] of this.cache) if (entry.key.id === id) this.cache.delete(hash);
    return rows.length > 0;
  }
}
