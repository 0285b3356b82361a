import { randomKeyPrefix } from '@relaykit/sdk-core';
import { killWorkers, spawnTsxWorkers } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { startFakeOrg } from '../testing/index.js';

const servers = sharedServers();
const workerScript = new URL('../test-support/workers/session.worker.ts', import.meta.url);

describe.skipIf(!servers.redisUrl)('one session refresh across worker processes (Redis store + lock)', () => {
  it('3 workers, session expiring mid-run: 1 initial token + exactly 1 refresh, every record written once', async () => {
    const org = await startFakeOrg({ faults: { expireSessionsAfterCalls: 120 }, tokenLatencyMs: 30 });
    const prefix = randomKeyPrefix('relaykit:test:sf-session');
    const count = 150;
    const workers = spawnTsxWorkers(3, (id) => ({
      script: workerScript,
      env: { RELAYKIT_WORKER: JSON.stringify({ id, redisUrl: servers.redisUrl, prefix, orgUrl: org.url, count }) },
    }));
    try {
      await Promise.all(workers.map((w) => w.waitForLine('"ready"')));
      const startAt = Date.now() + 100;
      for (const w of workers) w.end({ startAt });
      const results = await Promise.all(workers.map((w) => w.result<{ created: number; tokenRequests: number }>()));
      expect(results.map((r) => r.created)).toEqual([count, count, count]);
      expect(org.state.requests.some((r) => r.status === 401)).toBe(true);
      expect(org.state.grants('client_credentials')).toBe(2);
      expect(results.reduce((n, r) => n + r.tokenRequests, 0)).toBe(2);
      const counts = org.ledger.countsByExternalId('Contact');
      expect(counts.size).toBe(3 * count);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      killWorkers(workers);
      await org.close();
    }
  }, 40_000);
});
