// `relaykit start --demo` from the npm packages, not the workspace: the built packages are packed, installed into a
// fresh project outside the repository, and the installed `relaykit` runs the demo of the connectors installed there.
// Needs the packages built (`npm test` and `npm run test:pack` build first).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** The packages a user installs to run the demo: the gateway, the core and every connector of this repository. */
async function publishedPackages(): Promise<string[]> {
  const dirs: string[] = [];
  for (const entry of await readdir(join(root, 'packages'))) {
    const manifest = JSON.parse(await readFile(join(root, 'packages', entry, 'package.json'), 'utf8')) as {
      name: string;
      private?: boolean;
      relaykit?: { connector?: boolean };
    };
    if (manifest.private) continue;
    if (manifest.name === '@relaykit/gateway' || manifest.name === '@relaykit/sdk-core' || manifest.relaykit?.connector)
      dirs.push(join(root, 'packages', entry));
  }
  return dirs;
}

describe('relaykit start --demo from the packed npm packages', () => {
  let dir: string;
  let out = '';
  let child: ReturnType<typeof spawn> | undefined;
  let exited: Promise<void> | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rk-pack-'));
    const packages = await publishedPackages();
    expect(packages.length).toBeGreaterThanOrEqual(3);
    for (const pkg of packages)
      if (!existsSync(join(pkg, 'dist')))
        throw new Error(`${pkg} is not built: run "npm run build" first (npm test and npm run test:pack do)`);
    const tarballs = join(dir, 'tarballs');
    const app = join(dir, 'app');
    await mkdir(tarballs);
    await mkdir(app);
    for (const pkg of packages)
      await run('npm', ['pack', '--silent', '--pack-destination', tarballs], { cwd: pkg, timeout: 120_000 });
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'rk-pack-app', private: true, type: 'module' }));
    const files = (await readdir(tarballs)).map((f) => join(tarballs, f));
    // One install of every tarball: the packages' own dependencies come from the npm cache (or the registry).
    await run('npm', ['install', ...files, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: app,
      timeout: 240_000,
    });
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', RELAYKIT_CONFIG: '' };
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'NODE_OPTIONS']) delete env[name];
    child = spawn('npx', ['--no-install', 'relaykit', 'start', '--demo', '-p', '0'], {
      cwd: app,
      detached: true,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child!.once('exit', () => resolve()));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    await waitFor(() => /Ctrl-C stops/.test(out) || child!.exitCode !== null, 'the installed demo to start', {
      timeoutMs: 120_000,
    });
  }, 480_000);

  afterAll(async () => {
    // npx → node: the whole group.
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    await exited;
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('installs a gateway that depends on no connector', async () => {
    const manifest = JSON.parse(
      await readFile(join(dir, 'app', 'node_modules', '@relaykit', 'gateway', 'package.json'), 'utf8'),
    ) as Record<string, Record<string, string> | undefined>;
    const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
    expect(deps.filter((d) => d.includes('connector'))).toEqual([]);
  });

  it('runs the demo of every installed connector: health, and a printed sample call succeeds', async () => {
    expect(child?.exitCode, out).toBeNull();
    const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(out).toMatch(/instances: .*sf-demo.*wa-demo/);
    expect(out).toMatch(/mahak-demo/);
    // The first printed sample, sent as its curl line says.
    const key = /RELAYKIT_KEY=(\S+)/.exec(out)![1]!;
    const line = out
      .split('\n')
      .find((l) => l.startsWith('curl -sS -X POST "$RELAYKIT_URL/v1/') && !l.includes('admin'));
    expect(line, out).toBeDefined();
    const path = /"\$RELAYKIT_URL([^"]+)"/.exec(line!)![1]!;
    const body = /-d '(.*)'$/.exec(line!)![1]!;
    const res = await fetch(`${url}${path.replace('wait=5s', 'wait=20s')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    const job = (await res.json()) as { status?: string };
    expect(res.status, JSON.stringify(job)).toBe(200);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
  });

  it('writes the sample configuration it ships (relaykit init), and it checks', async () => {
    const app = join(dir, 'app');
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', RELAYKIT_CONFIG: '' };
    await run('npx', ['--no-install', 'relaykit', 'init', '-o', 'relaykit.yaml'], { cwd: app, env, timeout: 60_000 });
    const written = await readFile(join(app, 'relaykit.yaml'), 'utf8');
    expect(written).toContain('instances: {}');
    expect(written).toContain('#    connector: "@relaykit/connector-whatsapp"');
    const check = await run('npx', ['--no-install', 'relaykit', 'check', '-c', 'relaykit.yaml'], {
      cwd: app,
      env,
      timeout: 60_000,
    });
    expect(check.stdout).toMatch(/configuration is valid/);
  });
});
