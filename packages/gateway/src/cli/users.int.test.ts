import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSql } from '../store/sql.js';
import { UserStore, verifyPassword } from '../users/index.js';
import { runCli } from './program.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'relaykit', ...args], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { ...env },
    signals: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('relaykit users', () => {
  it('adds an admin with a generated password shown once, lists users, refuses a duplicate and removes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-users-'));
    const file = join(dir, 'relaykit.yaml');
    await writeFile(file, 'environments: [dev, prod]\ndatabase: { dataDir: ./pglite }\n');

    const empty = await run(['users', 'list', '-c', file]);
    expect(empty.out).toContain('no users; add one with: relaykit users add <name> --role admin');

    const added = await run(['users', 'add', 'alice', '--role', 'admin', '-c', file]);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/^added admin alice \(usr_[\w-]+\) in dev$/m);
    const password = added.out.split('\n').at(-1)!;
    expect(password).toMatch(/^[\w-]{16}$/);

    const given = await run(['users', 'add', 'bob', '-r', 'viewer', '-e', 'prod', '-c', file], {
      RELAYKIT_PASSWORD: 'bob password',
    });
    expect(given.code, given.err).toBe(0);
    expect(given.out).not.toContain('bob password');

    expect((await run(['users', 'add', 'ALICE', '-c', file])).code).toBe(1);
    expect((await run(['users', 'add', 'carol', '--role', 'root', '-c', file])).code).not.toBe(0);

    const list = await run(['users', 'list', '-c', file]);
    expect(list.out).toMatch(/alice\s+admin\s+dev\s+last login never/);
    expect(list.out).toMatch(/bob\s+viewer\s+prod/);

    const sql = await openSql({ dataDir: join(dir, 'pglite') });
    try {
      const users = new UserStore(sql);
      const alice = await users.credentials('alice');
      expect(alice?.passwordHash).toMatch(/^scrypt\$/);
      expect(await verifyPassword(password, alice!.passwordHash)).toBe(true);
      expect(await verifyPassword('bob password', (await users.credentials('bob'))!.passwordHash)).toBe(true);
    } finally {
      await sql.close();
    }

    expect((await run(['users', 'remove', 'bob', '-c', file])).out).toBe('removed bob');
    expect((await run(['users', 'list', '-c', file])).out).not.toContain('bob');
  }, 120_000);
});
