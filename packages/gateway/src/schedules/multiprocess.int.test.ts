// Exactly once across processes: three gateway worker processes with the scheduling loop on one PostgreSQL and
// Redis, one-second schedules, one process SIGKILLed and another frozen with SIGSTOP part way. Every due fire time
// must have exactly one job. The suite runs a short window (50 schedules, 20 s) so it holds on a loaded 2-core
// machine; `npm run bench -- schedules` runs the full one (1,000 schedules, 60 s), and
// RELAYKIT_SCHEDULES_FULL=1 runs 200 schedules for 60 s here.
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { runSchedulingScenario } from '../test-support/schedules/scenario.js';

const servers = sharedServers();
const full = process.env.RELAYKIT_SCHEDULES_FULL === '1';

describe.skipIf(!servers.postgresUrl || !servers.redisUrl)('schedules across processes', () => {
  it(
    'every due fire time makes exactly one job though one process is killed and another frozen',
    async () => {
      const result = await runSchedulingScenario({
        databaseUrl: await servers.freshDatabase(),
        redisUrl: servers.redisUrl!,
        processes: 3,
        schedules: full ? 200 : 50,
        seconds: full ? 60 : 20,
        killAt: 0.3,
        freezeAt: 0.5,
        freezeMs: 4000,
        // The documented takeover bound: 2 × tick (1 s) plus the 2 s a frozen process's locks are kept, plus slack
        // for a loaded machine.
        boundMs: 8000,
      });
      console.log(JSON.stringify(result));
      expect(result.events).toHaveLength(2);
      expect(result.firesExpected).toBeGreaterThan(0);
      expect(result.duplicates).toBe(0);
      expect(result.missing).toBe(0);
      expect(result.notFired).toBe(0);
      expect(result.jobsCreated).toBe(result.firesExpected);
    },
    full ? 400_000 : 240_000,
  );
});
