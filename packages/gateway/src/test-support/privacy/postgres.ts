// Test support: PostgreSQL as the privacy tests use it — a role holding only the documented grants, and pg_dump.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postgresBinDir } from '@relaykit/testkit';
import pg from 'pg';
import { appendOnlyAuditGrants } from '../../privacy/grants.js';

const run = promisify(execFile);

/** A data-only dump of the whole database, as INSERT statements (what a backup would hold). */
export async function pgDump(url: string): Promise<string> {
  const { stdout } = await run(join(postgresBinDir()!, 'pg_dump'), ['--data-only', '--inserts', url], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** A role holding only the documented grants: the gateway runs as it. */
export async function appRoleUrl(url: string): Promise<string> {
  const role = `rk_app_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    for (const statement of appendOnlyAuditGrants(role)) await admin.query(statement);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.username = role;
  u.password = '';
  return u.toString();
}
