// Exactly once across processes: three gateway worker processes with the scheduling loop on one PostgreSQL and
// Redis, one-second schedules, one process SIGKILLed and another frozen with SIGSTOP part way. Every due fire time
// must have exactly one job, and every fire time up to the window's end must be made within the takeover bound after
// it (a condition the scenario waits for, so the window needs no discarded tail). The suite runs a short window (50
// schedules, 9 s from the first fire: the kill at 1.8 s, a 3 s freeze from 3.2 s — longer than the 2 s claim, so the
// others take the frozen process's schedules over); `npm run bench -- schedules` runs the full one (1,000 schedules,
// 60 s), and RELAYKIT_SCHEDULES_FULL=1 runs 200 schedules for 60 s here.
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
        seconds: full ? 60 : 9,
        killAt: full ? 0.3 : 0.2,
        freezeAt: full ? 0.5 : 0.35,
        freezeMs: full ? 4000 : 3000,
        // The documented takeover bound: 2 × tick (1 s) plus the 2 s claim of a dead or frozen process, plus slack for
        // a loaded machine. Waited for as a condition: it costs only what the catch-up takes.
        boundMs: 8000,
      });
      console.log(JSON.stringify(result));
      expect(result.events).toHaveLength(2);
      expect(result.firesExpected).toBeGreaterThan(0);
      expect(result.duplicates).toBe(0);
      expect(result.catchUpMs).toBeLessThanOrEqual(8000);
      expect(result.missing).toBe(0);
      expect(result.notFired).toBe(0);
      expect(result.jobsCreated).toBe(result.firesExpected);
    },
    full ? 400_000 : 180_000,
  );
});
