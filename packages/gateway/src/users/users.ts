import { randomBytes } from 'node:crypto';
import type { SqlClient } from '../store/sql.js';
import { hashPassword } from './password.js';
import { ROLE_PERMISSIONS, type Role } from './roles.js';

/** A console user (never the password hash). */
export interface User {
  id: string;
  name: string;
  role: Role;
  /** The environment the user operates in (every operator action is confined to it). */
  environment: string;
  createdAt: string;
  lastLoginAt: string | null;
  /** Set while failed logins lock the account. */
  lockedUntil: string | null;
}

/** A user with what a login checks. */
export interface UserCredentials extends User {
  passwordHash: string;
  failedLogins: number;
}

type Row = {
  id: string;
  name: string;
  role: Role;
  environment: string;
  password_hash: string;
  failed_logins: number;
  locked_until: Date | string | null;
  last_login_at: Date | string | null;
  created_at: Date | string;
};

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

function toUser(row: Row): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    environment: row.environment,
    createdAt: iso(row.created_at)!,
    lastLoginAt: iso(row.last_login_at),
    lockedUntil: row.locked_until && new Date(row.locked_until) > new Date() ? iso(row.locked_until) : null,
  };
}

/** The permissions a user holds (its role's). */
export const permissionsOfUser = (user: Pick<User, 'role'>): string[] => [...ROLE_PERMISSIONS[user.role]];

/** Thrown by {@link UserStore.create} and {@link UserStore.update} when another user has the name. */
export class UserExistsError extends Error {
  readonly code = 'USER_EXISTS';
  constructor(readonly userName: string) {
    super(`A user named "${userName}" exists already.`);
  }
}

/** Names are compared case-insensitively: "Admin" and "admin" are one user. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Console users in the gateway's database (table `relaykit_users`, migration 20). */
export class UserStore {
  constructor(private readonly sql: SqlClient) {}

  /** Creates a user; throws `UserExistsError` when the name is taken. */
  async create(input: { name: string; password: string; role: Role; environment: string }): Promise<User> {
    const id = `usr_${randomBytes(9).toString('base64url')}`;
    const hash = await hashPassword(input.password);
    try {
      const { rows } = await this.sql.query<Row>(
        'INSERT INTO relaykit_users (id, name, role, environment, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [id, input.name, input.role, input.environment, hash],
      );
      return toUser(rows[0]!);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new UserExistsError(input.name);
      throw error;
    }
  }

  /** Every user of `environment` (every user when omitted), by name. */
  async list(environment?: string): Promise<User[]> {
    const { rows } = environment
      ? await this.sql.query<Row>('SELECT * FROM relaykit_users WHERE environment = $1 ORDER BY lower(name)', [
          environment,
        ])
      : await this.sql.query<Row>('SELECT * FROM relaykit_users ORDER BY lower(name)');
    return rows.map(toUser);
  }

  /** How many users exist (the CLI tells a fresh install to add one). */
  async count(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number | string }>('SELECT count(*) AS n FROM relaykit_users');
    return Number(rows[0]!.n);
  }

  /** The user with this id. */
  async get(id: string): Promise<User | undefined> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM relaykit_users WHERE id = $1', [id]);
    return rows[0] && toUser(rows[0]);
  }

  /** The user with this name (any case) and its password hash, for a login. */
  async credentials(name: string): Promise<UserCredentials | undefined> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM relaykit_users WHERE lower(name) = lower($1)', [name]);
    const row = rows[0];
    return row && { ...toUser(row), passwordHash: row.password_hash, failedLogins: row.failed_logins };
  }

  /** Changes a user's role and/or password; undefined when there is no such user. */
  async update(id: string, change: { role?: Role; password?: string }): Promise<User | undefined> {
    const hash = change.password === undefined ? null : await hashPassword(change.password);
    const { rows } = await this.sql.query<Row>(
      `UPDATE relaykit_users SET role = coalesce($2, role), password_hash = coalesce($3, password_hash),
        failed_logins = CASE WHEN $3::text IS NULL THEN failed_logins ELSE 0 END,
        locked_until = CASE WHEN $3::text IS NULL THEN locked_until ELSE NULL END, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, change.role ?? null, hash],
    );
    return rows[0] && toUser(rows[0]);
  }

  /** Deletes a user (its sessions go with it); false when there was none. */
  async delete(id: string): Promise<boolean> {
    const { rows } = await this.sql.query('DELETE FROM relaykit_users WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  /**
   * Counts a failed login; the `maxFailures`-th in a row locks the account for `lockMs` (the count starts again after).
   * Stored in the database so every gateway process sees the same lock. Returns the lock's end when locked now.
   */
  async recordFailure(id: string, maxFailures: number, lockMs: number): Promise<Date | undefined> {
    const { rows } = await this.sql.query<{ locked_until: Date | string | null }>(
      `UPDATE relaykit_users SET
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + ($3::double precision * interval '1 millisecond') ELSE locked_until END,
         failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END
       WHERE id = $1 RETURNING locked_until`,
      [id, maxFailures, lockMs],
    );
    const until = rows[0]?.locked_until;
    return until && new Date(until) > new Date() ? new Date(until) : undefined;
  }

  /** A successful login: clears the failure count and notes the time. */
  async recordLogin(id: string): Promise<void> {
    await this.sql.query(
      'UPDATE relaykit_users SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1',
      [id],
    );
  }
}
