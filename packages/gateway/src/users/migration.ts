/** Console users and sessions (versions 20-24 are reserved for them). */
export const USER_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string[] }> = [
  {
    version: 20,
    name: 'console users and sessions',
    sql: [
      `CREATE TABLE IF NOT EXISTS relaykit_users (
        id text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        environment text NOT NULL,
        password_hash text NOT NULL,
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // One user per name whatever its case: "Admin" cannot shadow "admin".
      `CREATE UNIQUE INDEX IF NOT EXISTS relaykit_users_name ON relaykit_users (lower(name))`,
      // Keyed by the SHA-256 of the cookie's token: the table alone opens no session.
      `CREATE TABLE IF NOT EXISTS relaykit_sessions (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES relaykit_users(id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ip text,
        user_agent text
      )`,
      `CREATE INDEX IF NOT EXISTS relaykit_sessions_user ON relaykit_sessions (user_id)`,
    ],
  },
];
