import { createHash, randomBytes } from 'node:crypto';
import type { SqlClient } from '../store/sql.js';
import type { Role } from './roles.js';

/** A live console session and its user. */
export interface Session {
  /** SHA-256 of the cookie's token (the token itself is never stored). */
  id: string;
  userId: string;
  userName: string;
  role: Role;
  environment: string;
  /** The synchronizer token state-changing requests must echo in `X-CSRF-Token`. */
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** Session lifetimes: `idleMs` without a request ends it, and `maxAgeMs` after login in any case. */
export interface SessionLifetimes {
  idleMs: number;
  maxAgeMs: number;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** Last-seen times are written at most this often (not one UPDATE per request). */
const TOUCH_EVERY_MS = 15_000;

/**
 * Server-side console sessions (table `relaykit_sessions`, migration 20). The browser holds a random 256-bit token in
 * an httpOnly cookie; the table keys the session by the token's SHA-256, so a leaked table opens no session.
 */
export class SessionStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly lifetimes: SessionLifetimes,
  ) {}

  /** Opens a session for a user; returns the cookie's token and the session. */
  async create(
    user: { id: string; name: string; role: Role; environment: string },
    client: { ip?: string; userAgent?: string } = {},
  ): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const { rows } = await this.sql.query<{ created_at: Date | string; expires_at: Date | string }>(
      `INSERT INTO relaykit_sessions (id, user_id, csrf_token, expires_at, ip, user_agent)
       VALUES ($1, $2, $3, now() + ($4::double precision * interval '1 millisecond'), $5, $6) RETURNING created_at, expires_at`,
      [
        hashToken(token),
        user.id,
        csrfToken,
        this.lifetimes.maxAgeMs,
        client.ip ?? null,
        client.userAgent?.slice(0, 300) ?? null,
      ],
    );
    return {
      token,
      session: {
        id: hashToken(token),
        userId: user.id,
        userName: user.name,
        role: user.role,
        environment: user.environment,
        csrfToken,
        createdAt: new Date(rows[0]!.created_at).toISOString(),
        expiresAt: new Date(rows[0]!.expires_at).toISOString(),
      },
    };
  }

  /** The live session of a cookie token (its user's current role), refreshing its last-seen time; undefined otherwise. */
  async resolve(token: string): Promise<Session | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const id = hashToken(token);
    const { rows } = await this.sql.query<{
      user_id: string;
      name: string;
      role: Role;
      environment: string;
      csrf_token: string;
      created_at: Date | string;
      expires_at: Date | string;
      idle_ms: number | string;
    }>(
      `SELECT s.user_id, u.name, u.role, u.environment, s.csrf_token, s.created_at, s.expires_at,
              extract(epoch FROM (now() - s.last_seen_at)) * 1000 AS idle_ms
         FROM relaykit_sessions s JOIN relaykit_users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.expires_at > now() AND s.last_seen_at > now() - ($2::double precision * interval '1 millisecond')`,
      [id, this.lifetimes.idleMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (Number(row.idle_ms) > TOUCH_EVERY_MS)
      await this.sql.query('UPDATE relaykit_sessions SET last_seen_at = now() WHERE id = $1', [id]);
    return {
      id,
      userId: row.user_id,
      userName: row.name,
      role: row.role,
      environment: row.environment,
      csrfToken: row.csrf_token,
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
    };
  }

  /** Ends the session of a cookie token. */
  async delete(token: string): Promise<void> {
    await this.sql.query('DELETE FROM relaykit_sessions WHERE id = $1', [hashToken(token)]);
  }

  /** Ends every session of a user (password or role change, deletion). */
  async deleteForUser(userId: string): Promise<void> {
    await this.sql.query('DELETE FROM relaykit_sessions WHERE user_id = $1', [userId]);
  }

  /** Removes expired sessions (called now and then; expired ones are refused anyway). */
  async prune(): Promise<number> {
    const { rows } = await this.sql.query(
      `DELETE FROM relaykit_sessions WHERE expires_at <= now()
          OR last_seen_at <= now() - ($1::double precision * interval '1 millisecond') RETURNING id`,
      [this.lifetimes.idleMs],
    );
    return rows.length;
  }
}
