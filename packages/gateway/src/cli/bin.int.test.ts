import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

describe('npm start', () => {
  it('starts the demo without a build, on a free port when 8080 is taken, and says so', async () => {
    const { spawn } = await import('node:child_process');
    const { createServer } = await import('node:net');
    const blocker = createServer();
    // Taken by this test, or already by someone else: taken either way.
    await new Promise<void>((resolve) => {
      blocker.once('error', () => resolve());
      blocker.listen(8080, '127.0.0.1', () => resolve());
    });
    const child = spawn('npm', ['start', '--silent'], {
      cwd: root,
      detached: true,
      env: { ...process.env, PORT: '', RELAYKIT_CONFIG: '', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    try {
      await waitFor(() => /Ctrl-C stops/.test(out) || child.exitCode !== null, 'the demo to start', {
        timeoutMs: 120_000,
      });
      expect(out).toMatch(/port 8080 is in use, so the demo listens on \d+ instead/);
      const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
      expect(new URL(url).port).not.toBe('8080');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      // npm → sh → node: the whole group.
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 150_000);
});
