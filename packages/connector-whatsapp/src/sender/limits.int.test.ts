import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomKeyPrefix } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from '../testing/index.js';

const servers = sharedServers();
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const script = fileURLToPath(new URL('./workers/send-worker.ts', import.meta.url));

/** Spawns a worker and resolves once it printed "ready". */
function startWorker(env: Record<string, string>): Promise<{ child: ChildProcess; done: Promise<string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d; });
  const done = new Promise<string>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}: ${err}`)))));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.startsWith('ready\n')) resolve({ child, done });
    });
    done.catch(reject);
  });
}

describe.skipIf(!servers.redisUrl)('4 worker processes on a shared Redis limiter', () => {
  let fake: FakeGraph;
  const MPS = 150;
  const PER_WORKER = 500;
  beforeAll(async () => { fake = await startFakeGraph({ throughputPerSecond: MPS }); });
  afterAll(async () => { await fake.close(); });

  it('send 2,000 messages without a single 130429, within 10 % of the ideal time', async () => {
    const prefix = randomKeyPrefix('wa-limits');
    const workers = await Promise.all([0, 1, 2, 3].map((i) => startWorker({
      WORKER_INDEX: String(i), COUNT: String(PER_WORKER), TOKEN: fake.accessToken, FAKE_URL: fake.url, REDIS_URL: servers.redisUrl!, PREFIX: prefix, MPS: String(MPS),
    })));
    for (const w of workers) w.child.stdin!.write('go\n');
    const outputs = await Promise.all(workers.map((w) => w.done));
    const summaries = outputs.map((o) => JSON.parse(o.trim().split('\n').pop()!) as { sent: number; errorCount: number; throttled: number });
    // The densest sliding second as the fake saw it, for the log line.
    let densest = 0;
    for (let i = 0, j = 0; i < fake.messages.length; i++) {
      while (fake.messages[i]!.at - fake.messages[j]!.at >= 1000) j++;
      densest = Math.max(densest, i - j + 1);
    }
    console.log(`densest sliding second: ${densest} (limit ${MPS}); throttled retries: ${summaries.reduce((n, s) => n + s.throttled, 0)}`);
    expect(summaries.map((s) => s.errorCount)).toEqual([0, 0, 0, 0]);
    expect(fake.errorCount(130429)).toBe(0);
    expect(fake.messages).toHaveLength(4 * PER_WORKER);
    expect(new Set(fake.messages.map((m) => m.to)).size).toBe(4 * PER_WORKER);
    const span = fake.messages.at(-1)!.at - fake.messages[0]!.at;
    const ideal = ((4 * PER_WORKER - 1) / MPS) * 1000;
    console.log(`4 workers: ${fake.messages.length} messages in ${Math.round(span)} ms (ideal ${Math.round(ideal)} ms, ratio ${(span / ideal).toFixed(3)}), 130429s: ${fake.errorCount(130429)}`);
    expect(span).toBeLessThanOrEqual(ideal * 1.1);
  }, 60_000);
});
