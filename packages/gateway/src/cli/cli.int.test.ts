import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../keys/keys.js';
import { postgresClient } from '../store/sql.js';
import { MIGRATIONS } from '../store/migrations.js';
import { runCli, type CliIo } from './program.js';
import type { Gateway } from '../gateway.js';
import { startEchoUpstream } from '../test-support/echo.js';

const servers = sharedServers();

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, onStarted?: CliIo['onStarted']) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'relaykit', ...args], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env,
    signals: false,
    ...(onStarted ? { onStarted } : {}),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('relaykit CLI', () => {
  it('prints useful help for the program and each command', async () => {
    const program = await cli(['help']);
    expect(program.out).toMatch(/start[\s\S]*worker[\s\S]*migrate[\s\S]*keys[\s\S]*check/);
    expect(program.out).toContain('DATABASE_URL');
    const create = await cli(['keys', 'help', 'create']);
    expect(create.out).toMatch(/--env <environment>[\s\S]*--scope <scope...>/);
    // Revocation is not instantaneous (each process caches a verified key for 1 s): the help says so.
    const revoke = await cli(['keys', 'help', 'revoke']);
    expect(revoke.out).toMatch(/within about 1 s on every other running gateway/);
    expect(revoke.out).not.toMatch(/at once on every/);
  });

  it('stops on a bad configuration listing every problem by path (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-cli-'));
    const file = join(dir, 'relaykit.yaml');
    await writeFile(file, 'server:\n  port: nope\ninstances:\n  crm:\n    connector: ./missing-plugin.js\n');
    const result = await cli(['check', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('server.port: must be number');
    expect(result.err).toContain('instances.crm.environment: is required');
  });

  it('reports a plugin that cannot be loaded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-cli-'));
    const file = join(dir, 'relaykit.yaml');
    await writeFile(
      file,
      'environments: [dev]\ninstances:\n  crm:\n    connector: ./missing-plugin.js\n    environment: dev\n',
    );
    const result = await cli(['check', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/instances\.crm\.connector: Cannot load connector module "\.\/missing-plugin\.js"/);
  });

  it('refuses to manage keys on a throwaway in-memory database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-cli-'));
    const file = join(dir, 'relaykit.yaml');
    await writeFile(file, 'environments: [dev]\n');
    const result = await cli(['keys', 'list', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/persistent database/);
  });

  it('stops with a clear error when there is no configuration file (outside --demo)', async () => {
    for (const args of [['start', '-p', '0'], ['check'], ['worker'], ['keys', 'list'], ['migrate']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.err).toMatch(/no configuration file/);
      expect(result.err).toMatch(/relaykit init/);
      expect(result.err).toMatch(/start --demo/);
    }
  });

  it('start on a taken port (from -p or PORT) stops with a message naming both', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-cli-'));
    const file = join(dir, 'relaykit.yaml');
    await writeFile(file, 'server: { host: 127.0.0.1 }\nenvironments: [dev]\n');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const { port } = blocker.address() as { port: number };
    try {
      for (const [args, env] of [
        [['-p', String(port)], {}],
        [[], { PORT: String(port) }],
      ] as const) {
        const result = await cli(['start', '-c', file, ...args], env);
        expect(result.code).toBe(1);
        expect(result.err).toContain(`port ${port} on 127.0.0.1 is already in use`);
        expect(result.err).toMatch(/-p <port> or the PORT environment variable/);
      }
      expect((await cli(['start', '-c', file, '-p', 'eighty'])).err).toMatch(/a port is a whole number/);
      // On a throwaway in-memory database no key could ever be made: it says so.
      let started: Gateway | undefined;
      const memory = await cli(['start', '-c', file, '-p', '0'], {}, (g) => {
        started = g;
      });
      await started?.close();
      expect(memory.code).toBe(0);
      expect(memory.err).toMatch(/database is in memory .* no API key can be made/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);

  it('init writes a commented sample that checks, keeps keys in its own directory, and is never overwritten', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-cli-'));
    const file = join(dir, 'relaykit.yaml');
    const init = await cli(['init', '-o', file]);
    expect(init.code).toBe(0);
    expect(init.out).toContain(`wrote ${file}`);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^# relaykit gateway configuration/);
    expect(text).toMatch(/#\s+connector: "@relaykit\/connector-salesforce"/);
    const check = await cli(['check', '-c', file]);
    expect(check.code).toBe(0);
    expect(check.out).toMatch(/configuration is valid: 0 instance\(s\) in development, production/);
    expect(check.err).toMatch(/no instance configured/);
    // The sample's PGlite directory is relative to the file, wherever the CLI runs from.
    const created = await cli(['keys', 'create', '-c', file, '--env', 'development']);
    expect(created.code, created.err).toBe(0);
    expect(existsSync(join(dir, 'data', 'relaykit'))).toBe(true);
    const again = await cli(['init', '-o', file]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists; not overwriting/);
    expect(await readFile(file, 'utf8')).toBe(text);
  }, 90_000);

  it.skipIf(!servers.postgresUrl)('migrates, then creates, lists and revokes keys', async () => {
    const env = { DATABASE_URL: await servers.freshDatabase() };
    expect((await cli(['migrate'], env)).out).toBe(
      `applied migrations ${MIGRATIONS.map((m) => m.version).join(', ')} (postgresql)`,
    );
    expect((await cli(['migrate'], env)).out).toMatch(/up to date/);
    const created = await cli(
      ['keys', 'create', '--env', 'production', '--scope', 'sf-prod:upsert', 'sf-prod:query', '--name', 'crm'],
      env,
    );
    expect(created.code).toBe(0);
    const secret = /^(rk_\S+)$/m.exec(created.out)![1]!;
    const id = /created key (\w+)/.exec(created.out)![1]!;
    const sql = postgresClient(env.DATABASE_URL);
    try {
      const key = await new ApiKeyStore(sql).verify(secret);
      expect(key).toMatchObject({ id, environment: 'production', scopes: ['sf-prod:upsert', 'sf-prod:query'] });
      const { rows } = await sql.query<{ hash: string }>('SELECT hash FROM relaykit_api_keys WHERE id = $1', [id]);
      expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]!.hash).not.toContain(secret);
      const listed = await cli(['keys', 'list'], env);
      expect(listed.out).toMatch(new RegExp(`${id}\\s+production\\s+active`));
      expect(listed.out).not.toContain(secret);
      expect((await cli(['keys', 'revoke', id], env)).out).toBe(`revoked ${id}`);
      expect(await new ApiKeyStore(sql).verify(secret)).toBeUndefined();
      expect((await cli(['keys', 'revoke', id], env)).code).toBe(1);
      expect((await cli(['keys', 'create', '--env', 'moon'], env)).err).toMatch(/not one of/);
      // A malformed scope is refused with every bad one listed, and nothing is created.
      const badScopes = await cli(
        ['keys', 'create', '--env', 'production', '--scope', 'sf-prod:upsert:extra', '*:query', 'sf-prod:query'],
        env,
      );
      expect(badScopes.code).toBe(1);
      expect(badScopes.err).toMatch(/Invalid scopes "sf-prod:upsert:extra", "\*:query"/);
      expect((await cli(['keys', 'list'], env)).out.trim().split('\n')).toHaveLength(1);
      // The programmatic API refuses them too.
      await expect(
        new ApiKeyStore(sql).create({ name: 'x', environment: 'production', scopes: ['a:b:c'] }),
      ).rejects.toMatchObject({ code: 'INVALID_SCOPE', scopes: ['a:b:c'] });
    } finally {
      await sql.close();
    }
  });

  it.skipIf(!servers.postgresUrl)('starts from a configuration file with a local plugin and serves jobs', async () => {
    const upstream = await startEchoUpstream();
    const dir = await mkdtemp(join(tmpdir(), 'rk-cli-'));
    const file = join(dir, 'relaykit.yaml');
    const plugin = new URL('../test-support/echo.ts', import.meta.url).pathname;
    await writeFile(
      file,
      `server: { host: 127.0.0.1 }\nenvironments: [dev]\ninstances:\n  echo-1:\n    connector: ${plugin}\n    environment: dev\n    config: { baseUrl: "\${UPSTREAM}" }\n`,
    );
    let gateway: Gateway | undefined;
    let url: string | undefined;
    const result = await cli(
      ['start', '-c', file, '-p', '0'],
      { DATABASE_URL: await servers.freshDatabase(), UPSTREAM: upstream.url },
      (g, u) => {
        gateway = g;
        url = u;
      },
    );
    try {
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(docs: .*\/docs\)/);
      expect(result.out).toMatch(/instances: echo-1 \(echo, dev\)/);
      expect(result.out).toMatch(/PostgreSQL .*in-memory queue/);
      const { secret } = await gateway!.keys.create({ name: 'cli', environment: 'dev', scopes: ['echo-1:put'] });
      const res = await fetch(`${url}/v1/echo-1/put?wait=5s`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: '{"key":"from-cli"}',
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { result: unknown }).result).toMatchObject({ stored: 'from-cli' });
    } finally {
      await gateway?.close();
      await upstream.close();
    }
  });
});
