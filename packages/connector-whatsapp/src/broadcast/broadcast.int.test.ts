import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomKeyPrefix } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from '../testing/index.js';

const servers = sharedServers();
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const script = fileURLToPath(new URL('./workers/broadcast-worker.ts', import.meta.url));

function run(env: Record<string, string>, killWhen?: () => boolean): Promise<Record<string, unknown> & { statuses: Record<string, number> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d; });
  const timer = killWhen ? setInterval(() => { if (killWhen()) { clearInterval(timer); child.kill('SIGTERM'); } }, 5) : undefined;
  child.stdout.on('data', (d: Buffer) => { out += d; });
  return new Promise((resolve, reject) => child.on('exit', (code) => {
    if (timer) clearInterval(timer);
    if (code !== 0) return reject(new Error(`broadcast exited ${code}: ${err}`));
    resolve(JSON.parse(out.trim().split('\n').pop()!));
  }));
}

describe.skipIf(!servers.redisUrl)('a broadcast stopped halfway and restarted', () => {
  let fake: FakeGraph;
  beforeAll(async () => { fake = await startFakeGraph({ throughputPerSecond: 200 }); });
  afterAll(async () => { await fake.close(); });

  it('sends each recipient exactly once', async () => {
    const N = 300;
    const env = { TOKEN: fake.accessToken, FAKE_URL: fake.url, REDIS_URL: servers.redisUrl!, PREFIX: randomKeyPrefix('wa-bcast'), MPS: '200', RECIPIENTS: String(N), BROADCAST_ID: 'term-3-fees' };
    const first = await run(env, () => fake.messages.length >= N / 2);
    expect(first.aborted).toBe(true);
    const sentFirst = fake.messages.length;
    expect(sentFirst).toBeGreaterThanOrEqual(N / 2);
    expect(sentFirst).toBeLessThan(N);
    const second = await run(env);
    expect(second.aborted).toBe(false);
    expect(second.statuses).toEqual({ already_sent: sentFirst, sent: N - sentFirst });
    const counts = fake.countByRecipient();
    expect(counts.size).toBe(N);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(fake.messages).toHaveLength(N);
  }, 60_000);
});
