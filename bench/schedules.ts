// Schedules firing exactly once across processes, on real PostgreSQL and Redis.
//   npm run bench -- schedules [--schedules 1000] [--processes 3] [--seconds 60] [--chaos]
// 1,000 schedules on a one-second cron (`* * * * * *`) across 3 gateway worker processes for 60 s. Every fire time
// must make exactly one job: the JSON line reports fires expected vs jobs created (equal), duplicates (0), fire
// times with no job (0; every schedule must have fired up to the window's end within 5 s after it: catchUpMs) and
// the fire lag — due time to job recorded — p50/p99 (goal p99 < 1 s). The window runs from the first fire time.
// --chaos also SIGKILLs one process at 30 % of the window and freezes another with SIGSTOP for 5 s at 50 %.
import { loadavg } from 'node:os';
import { startPostgres, startRedis } from '@relaykit/testkit';
import { runSchedulingScenario } from '../packages/gateway/src/test-support/schedules/scenario.js';
import { benchArgs, numberArg, reportBench } from './lib.js';

const SCHEDULES = numberArg('schedules', 1000);
const PROCESSES = numberArg('processes', 3);
const SECONDS = numberArg('seconds', 60);
const CHAOS = benchArgs().chaos === 'true';

const redis = await startRedis();
const postgres = await startPostgres();
try {
  const result = await runSchedulingScenario({
    databaseUrl: await postgres.createDatabase(),
    redisUrl: redis.url,
    processes: PROCESSES,
    schedules: SCHEDULES,
    seconds: SECONDS,
    ...(CHAOS ? { killAt: 0.3, freezeAt: 0.5, freezeMs: 5000 } : {}),
    boundMs: 5000,
    log: (line) => console.error(`schedules: ${line}`),
    onStderr: (i: number, line: string) => console.error(`process ${i}: ${line}`),
  });
  reportBench('schedules', {
    schedules: result.schedules,
    processes: result.processes,
    seconds: result.seconds,
    chaos: CHAOS,
    catchUpMs: result.catchUpMs,
    firesExpected: result.firesExpected,
    jobsCreated: result.jobsCreated,
    equal: result.firesExpected === result.jobsCreated,
    duplicates: result.duplicates,
    missing: result.missing,
    fireLagP50Ms: result.fireLagP50Ms,
    fireLagP99Ms: result.fireLagP99Ms,
    fireLagMaxMs: result.fireLagMaxMs,
    startLagP99Ms: result.startLagP99Ms,
    events: result.events,
    warnings: result.warnings,
    // The machine is shared: the 1/5/15-minute load average at the end says how busy it was.
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
  });
  if (result.firesExpected !== result.jobsCreated || result.duplicates !== 0) process.exitCode = 1;
} finally {
  await redis.stop();
  await postgres.stop();
}
