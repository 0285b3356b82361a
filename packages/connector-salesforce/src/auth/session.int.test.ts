import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomKeyPrefix } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { startFakeOrg } from '../testing/index.js';

const servers = sharedServers();
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const workerScript = fileURLToPath(new URL('./session.worker.ts', import.meta.url));

describe.skipIf(!servers.redisUrl)('one session refresh across worker processes (Redis store + lock)', () => {
  it('3 workers, session expiring mid-run: 1 initial token + exactly 1 refresh, every record written once', async () => {
    const org = await startFakeOrg({ faults: { expireSessionsAfterCalls: 120 }, tokenLatencyMs: 30 });
    const prefix = randomKeyPrefix('relaykit:test:sf-session');
    const count = 150;
    const children = [0, 1, 2].map((id) => {
      const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
        cwd: repoRoot,
        env: { ...process.env, RELAYKIT_WORKER: JSON.stringify({ id, redisUrl: servers.redisUrl, prefix, orgUrl: org.url, count }) },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const lines: string[] = [];
      const ready = new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          lines.push(line);
          if (line.includes('"ready"')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`worker ${id} exited (${code}) before ready: ${stderr}`)));
      });
      const done = new Promise<{ created: number; tokenRequests: number }>((resolve, reject) =>
        child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(lines.at(-1)!)) : reject(new Error(`worker ${id} exited with ${code}: ${stderr}`)))),
      );
      done.catch(() => undefined);
      return { child, ready, done };
    });
    try {
      await Promise.all(children.map((c) => c.ready));
      const startAt = Date.now() + 100;
      for (const c of children) c.child.stdin.end(`${JSON.stringify({ startAt })}\n`);
      const results = await Promise.all(children.map((c) => c.done));
      expect(results.map((r) => r.created)).toEqual([count, count, count]);
      expect(org.state.requests.some((r) => r.status === 401)).toBe(true);
      expect(org.state.grants('client_credentials')).toBe(2);
      expect(results.reduce((n, r) => n + r.tokenRequests, 0)).toBe(2);
      const counts = org.ledger.countsByExternalId('Contact');
      expect(counts.size).toBe(3 * count);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      for (const c of children) c.child.kill();
      await org.close();
    }
  }, 40_000);
});
