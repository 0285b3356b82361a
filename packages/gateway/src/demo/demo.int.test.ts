// The demo as `npm start` runs it: the lines it prints must work as printed, on whatever port it got.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { silentLogger } from '@relaykit/sdk-core';
import { waitFor, which } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/program.js';
import type { Gateway } from '../gateway.js';
import { findConnectorPackages, loadConnectorDemo } from './discover.js';
import { DEMO_DEFAULT_PORT, startDemo, type Demo } from './index.js';

/** Holds `port` (when nobody else does already: taken either way). */
async function hold(port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const sh = (script: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', ['-c', script], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('relaykit start --demo', () => {
  let demo: Demo;
  let held: Server | undefined;
  let defaultPort: number;
  const lines: string[] = [];
  beforeAll(async () => {
    // A port of this test's own stands for 8080 (which other suites or programs on this machine may hold or free).
    held = await hold(0);
    defaultPort = (held!.address() as { port: number }).port;
    demo = await startDemo({ out: (l) => lines.push(l), logger: silentLogger, env: {}, defaultPort });
  });
  afterAll(async () => {
    await demo?.close();
    await new Promise((resolve) => (held ? held.close(resolve) : resolve(undefined)));
  });

  it('picks a free port when its default (8080) is taken, and says so', () => {
    expect(DEMO_DEFAULT_PORT).toBe(8080);
    expect(new URL(demo.url).port).not.toBe(String(defaultPort));
    expect(lines.join('\n')).toMatch(
      new RegExp(`port ${defaultPort} is in use, so the demo listens on ${new URL(demo.url).port} instead`),
    );
    expect(lines.join('\n')).toMatch(/-p <port> or PORT=<port>/);
  });

  it('prints the console URL and a demo admin login that works', async () => {
    const line = lines.find((l) => l.startsWith('console: '))!;
    const [, consoleUrl, name, password] = /^console: (\S+)\s+demo login: (\S+) \/ (\S+) \(admin; shown once\)$/.exec(
      line,
    )!;
    expect(consoleUrl).toBe(`${demo.url}/console`);
    expect({ name, password }).toEqual(demo.consoleLogin);
    const res = await fetch(`${demo.url}/v1/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, password }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { role: string } }).user.role).toBe('admin');
  });

  it('starts with a failed job the console lists, which the demo login can open and retry', async () => {
    expect(demo.failingJobIds.length).toBeGreaterThan(0);
    const id = demo.failingJobIds[0]!;
    expect(lines.some((l) => l.includes(`fails on purpose`) && l.includes(id))).toBe(true);
    const login = await fetch(`${demo.url}/v1/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demo.consoleLogin),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const listed = await waitFor(async () => {
      const res = await fetch(`${demo.url}/v1/admin/jobs?status=failed,dead`, { headers: { cookie } });
      const { jobs } = (await res.json()) as { jobs: Array<{ id: string; error: { code: string } | null }> };
      return jobs.find((j) => j.id === id);
    }, 'the failed demo job in the operator API');
    expect(listed.error?.code).toBe('NOT_FOUND');
    const retry = await fetch(`${demo.url}/v1/admin/jobs/${id}/retry`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(retry.status).toBe(200);
  }, 60_000);

  it.skipIf(!which('curl'))(
    'every curl line it prints succeeds as printed',
    async () => {
      const exported = lines.find((l) => l.startsWith('export RELAYKIT_URL='))!;
      expect(exported).toContain('RELAYKIT_ADMIN_KEY=rk_');
      const curls = lines.filter((l) => l.startsWith('curl '));
      expect(curls).toEqual(demo.curlLines);
      // Sends, a sync, an order push, a job lookup, the key list and a key creation.
      expect(curls.length).toBeGreaterThanOrEqual(7);
      expect(curls.join('\n')).not.toMatch(/<[^>]+>/); // no placeholder left for the user to fill in
      for (const line of curls) {
        // The line as printed, with curl told to print the status after the body.
        const run = await sh(`set -e\n${exported}\n${line} -w '\\n%{http_code}'`);
        expect(run.code, `${line}\n${run.stderr}`).toBe(0);
        const [body, status] = [run.stdout.slice(0, run.stdout.lastIndexOf('\n')), run.stdout.split('\n').pop()!];
        expect(Number(status), `${line}\n${body}`).toBeGreaterThanOrEqual(200);
        expect(Number(status), `${line}\n${body}`).toBeLessThan(300);
        const json = JSON.parse(body) as { status?: string; error?: unknown };
        // A job answers with its record: it must have succeeded, not merely been accepted.
        if (json.status !== undefined) expect(json.status, `${line}\n${body}`).toBe('succeeded');
      }
    },
    120_000,
  );

  it("runs every operation's documented example (the ones /docs shows) to success", async () => {
    const failures: string[] = [];
    for (const instance of demo.gateway.instances.values()) {
      // Deletes last: the other examples use the record they delete.
      const operations = Object.entries(instance.connector.operations).sort(
        ([a], [b]) => Number(a.startsWith('delete')) - Number(b.startsWith('delete')),
      );
      for (const [name, operation] of operations) {
        if (operation.example === undefined) continue;
        const res = await fetch(`${demo.url}/v1/${instance.name}/${name}?wait=20s`, {
          method: 'POST',
          headers: { authorization: `Bearer ${demo.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(operation.example),
        });
        const body = (await res.json()) as { status?: string; error?: { message?: string } };
        if (res.status !== 200 || body.status !== 'succeeded')
          failures.push(`${instance.name}/${name}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);

  it('refuses a port asked for (-p or PORT) that is taken, naming both', async () => {
    const port = new URL(demo.url).port;
    for (const [args, env] of [
      [['start', '--demo', '-p', port], {}],
      [['start', '--demo'], { PORT: port }],
    ] as const) {
      const err: string[] = [];
      const code = await runCli(['node', 'relaykit', ...args], {
        out: () => {},
        err: (l) => err.push(l),
        env: { ...env, LOG_LEVEL: 'silent' },
        signals: false,
      });
      expect(code).toBe(1);
      expect(err.join('\n')).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(err.join('\n')).toMatch(/-p <port> or the PORT environment variable/);
    }
  });

  it('demos only the connector packages named with --connector, which goes with --demo only', async () => {
    const [first, second] = await findConnectorPackages([process.cwd()]);
    expect(second, 'the repository has several connector packages').toBeDefined();
    const out: string[] = [];
    let started: Gateway | undefined;
    const code = await runCli(['node', 'relaykit', 'start', '--demo', '--connector', first!.name, '-p', '0'], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      env: { LOG_LEVEL: 'silent' },
      signals: false,
      onStarted: (gateway) => {
        started = gateway;
      },
    });
    await started?.close();
    expect(code, out.join('\n')).toBe(0);
    const { instance } = await loadConnectorDemo(first!.name, [process.cwd()]);
    expect([...started!.instances.values()].map((i) => i.name)).toEqual([instance]);
    const alone: string[] = [];
    expect(
      await runCli(['node', 'relaykit', 'start', '--connector', first!.name], {
        out: () => {},
        err: (l) => alone.push(l),
        env: {},
        signals: false,
      }),
    ).toBe(1);
    expect(alone.join('\n')).toMatch(/--connector goes with --demo/);
  }, 120_000);
});
