import { resolveRedis, toRedisError, type EnvelopeCipher, type RedisHandle } from '@relaykit/sdk-core';

/** A session as kept in a {@link TokenStore}: shared by every worker using the same store. */
export interface StoredSession {
  accessToken: string;
  instanceUrl: string;
  /** Increases by one with every new session; lets a worker tell "already refreshed" from "still stale". */
  generation: number;
  /** ms epoch of issue (`issued_at`). */
  issuedAt: number;
  /** Newest refresh token (refresh-token flow with rotation). */
  refreshToken?: string | undefined;
}

/**
 * Where sessions live. In-memory for one process; Redis so that every worker shares one session
 * and one refresh per token generation (with the distributed lock).
 */
export interface TokenStore {
  get(key: string): Promise<StoredSession | undefined>;
  set(key: string, session: StoredSession): Promise<void>;
  close(): Promise<void>;
}

/** A {@link TokenStore} in this process's memory. */
export class MemoryTokenStore implements TokenStore {
  private readonly sessions = new Map<string, StoredSession>();
  async get(key: string): Promise<StoredSession | undefined> {
    const s = this.sessions.get(key);
    return s ? { ...s } : undefined;
  }
  async set(key: string, session: StoredSession): Promise<void> {
    this.sessions.set(key, { ...session });
  }
  async close(): Promise<void> {}
}

/** Options of {@link RedisTokenStore}. */
export interface RedisTokenStoreOptions {
  redisUrl: string;
  /** Key namespace. Default `relaykit:salesforce:session`. */
  prefix?: string;
  /** How long an unused session is kept, in ms. Default 24 h. */
  ttlMs?: number;
  /** Seals sessions (access and refresh tokens) with AES-256-GCM before they reach Redis. Recommended. */
  cipher?: EnvelopeCipher;
}

/**
 * A {@link TokenStore} in Redis, shared by every worker. Sessions hold secrets: pass a `cipher`
 * (sdk-core's `createEnvelopeCipher`) so they are sealed at rest, bound to their key.
 */
export class RedisTokenStore implements TokenStore {
  private readonly handle: RedisHandle;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly cipher: EnvelopeCipher | undefined;

  constructor(options: RedisTokenStoreOptions) {
    this.handle = resolveRedis({ redisUrl: options.redisUrl });
    this.prefix = options.prefix ?? 'relaykit:salesforce:session';
    this.ttlMs = options.ttlMs ?? 24 * 3600_000;
    this.cipher = options.cipher;
  }

  async get(key: string): Promise<StoredSession | undefined> {
    let raw: string | null;
    try {
      raw = await this.handle.client.get(`${this.prefix}:${key}`);
    } catch (e) {
      throw toRedisError(this.handle.client, e);
    }
    if (!raw) return undefined;
    return this.cipher ? this.cipher.decryptJson<StoredSession>(raw, { aad: key }) : (JSON.parse(raw) as StoredSession);
  }

  async set(key: string, session: StoredSession): Promise<void> {
    const value = this.cipher ? this.cipher.encryptJson(session, { aad: key }) : JSON.stringify(session);
    try {
      await this.handle.client.set(`${this.prefix}:${key}`, value, 'PX', this.ttlMs);
    } catch (e) {
      throw toRedisError(this.handle.client, e);
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** A Redis store when `redisUrl` is given, else an in-memory one. */
export function createTokenStore(
  options: { redisUrl?: string | undefined; prefix?: string; cipher?: EnvelopeCipher | undefined } = {},
): TokenStore {
  return options.redisUrl
    ? new RedisTokenStore({
        redisUrl: options.redisUrl,
        ...(options.prefix ? { prefix: options.prefix } : {}),
        ...(options.cipher ? { cipher: options.cipher } : {}),
      })
    : new MemoryTokenStore();
}
