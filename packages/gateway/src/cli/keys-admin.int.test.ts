// `relaykit keys` beside a gateway running on a PGlite directory: separate processes, as users run them.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTsxWorker, workspaceRoot, type TsxWorker } from '@relaykit/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const cliScript = fileURLToPath(new URL('../main.ts', import.meta.url));
const root = workspaceRoot(fileURLToPath(new URL('.', import.meta.url)));

/** Runs one `relaykit` command in its own process. */
function relaykit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cliScript, ...args],
      { cwd: root, env: { ...process.env, RELAYKIT_URL: '', RELAYKIT_ADMIN_KEY: '', LOG_LEVEL: 'silent', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

const secretOf = (out: string) => /^(rk_\S+)$/m.exec(out)![1]!;
const idOf = (out: string) => /created key (\w+)/.exec(out)![1]!;
/** 404 for an unknown job means the key was accepted; 401 that it was refused. */
const probe = async (url: string, secret: string) =>
  (await fetch(`${url}/v1/jobs/no-such-job`, { headers: { authorization: `Bearer ${secret}` } })).status;

describe('relaykit keys while a gateway holds the PGlite directory', () => {
  let gateway: TsxWorker | undefined;
  afterEach(() => {
    gateway?.kill('SIGKILL');
    gateway = undefined;
  });

  it('refuses to write beside it, and manages keys through its admin route with immediate effect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-keys-'));
    const file = join(dir, 'relaykit.yaml');
    await writeFile(file, 'server: { host: 127.0.0.1 }\nenvironments: [dev]\ndatabase: { dataDir: ./pglite }\n');

    // Bootstrap while no gateway runs: the first admin key goes straight into the directory.
    const bootstrap = await relaykit(['keys', 'create', '-c', file, '--env', 'dev', '--scope', 'admin:keys']);
    expect(bootstrap.code, bootstrap.err).toBe(0);
    const adminKey = secretOf(bootstrap.out);

    gateway = spawnTsxWorker({
      script: cliScript,
      args: ['start', '-c', file, '-p', '0'],
      env: { DATABASE_URL: undefined, REDIS_URL: undefined, LOG_LEVEL: 'silent' },
      timeoutMs: 120_000,
    });
    const url = /listening on (http:\/\/\S+)/.exec(await gateway.waitForLine(/listening on/))![1]!;

    // A second process on the directory is refused, saying what to do instead.
    const direct = await relaykit(['keys', 'create', '-c', file, '--env', 'dev']);
    expect(direct.code).toBe(1);
    expect(direct.err).toMatch(/in use by process \d+/);
    expect(direct.err).toMatch(/--url/);
    expect((await relaykit(['keys', 'list', '-c', file])).err).toMatch(/in use by process/);

    // Through the gateway (flags or RELAYKIT_URL/RELAYKIT_ADMIN_KEY): a new key works at once...
    const remote = { RELAYKIT_URL: url, RELAYKIT_ADMIN_KEY: adminKey };
    const created = await relaykit(['keys', 'create', '--env', 'dev', '--name', 'app'], remote);
    expect(created.code, created.err).toBe(0);
    const secret = secretOf(created.out);
    expect(await probe(url, secret)).toBe(404);
    // ...and a revoked one is refused at once (its cache entry was dropped by the revoking process itself).
    const revoked = await relaykit(['keys', 'revoke', idOf(created.out), '--url', url, '--admin-key', adminKey]);
    expect(revoked.code, revoked.err).toBe(0);
    expect(await probe(url, secret)).toBe(401);
    const listed = await relaykit(['keys', 'list'], remote);
    expect(listed.out).toMatch(new RegExp(`${idOf(created.out)}\\s+dev\\s+revoked`));
    // Without an admin key, or with a key lacking admin:keys, the route says why.
    expect((await relaykit(['keys', 'list', '--url', url])).err).toMatch(/needs an admin key/);
    expect((await relaykit(['keys', 'list', '--url', url, '--admin-key', secret])).err).toMatch(/401/);

    // After the gateway stops, the directory is free again and holds what was done through it.
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
    const after = await relaykit(['keys', 'list', '-c', file]);
    expect(after.code, after.err).toBe(0);
    expect(after.out).toMatch(new RegExp(`${idOf(created.out)}\\s+dev\\s+revoked`));
  }, 180_000);
});
