import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@relaykit/testkit';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
};

describe('the relaykit executable', () => {
  it('is linked by the install (not only after a build) and prints the package version', async () => {
    // npm links a bin only when its target exists at install time: the target is a committed launcher.
    expect(pkg.bin.relaykit).toBe('./bin/relaykit.js');
    expect(pkg.files).toContain('bin');
    const bin = `${root}node_modules/.bin/relaykit`;
    expect(existsSync(bin)).toBe(true);
    const { stdout } = await run(bin, ['--version'], { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe(pkg.version);
  }, 90_000);
});

/** Runs `npm start` with `env` until `until` matches its output or it exits; `stop` ends its process group. */
async function npmStart(
  env: NodeJS.ProcessEnv,
  until: RegExp,
): Promise<{ out: string; exitCode: number | null; stop(): Promise<void> }> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    detached: true,
    env: { ...process.env, RELAYKIT_CONFIG: '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (chunk: string) => {
    out += chunk;
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    // npm → sh → node: the whole group.
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
    await exited;
  };
  try {
    await waitFor(() => until.test(out) || child.exitCode !== null, 'npm start to get there', { timeoutMs: 120_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { out, exitCode: child.exitCode, stop };
}

describe('npm start', () => {
  it('starts the demo without a build, on the port PORT names', async () => {
    const { out, stop } = await npmStart({ PORT: '0' }, /Ctrl-C stops/);
    try {
      const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await stop();
    }
  }, 150_000);

  it('stops at once with what to do when the port asked for is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const { port } = blocker.address() as { port: number };
    try {
      const { out, exitCode, stop } = await npmStart({ PORT: String(port) }, /(?!)/);
      await stop();
      expect(exitCode).not.toBe(0);
      expect(out).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(out).toMatch(/-p <port> or the PORT environment variable/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 150_000);
});
