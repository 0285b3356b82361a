// Test support: a gateway worker in a child process (an entry of test-support/workers/), for the tests that kill or
// freeze a real process.
import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from '@relaykit/testkit';

/** Where the child's gateway finds its servers (the worker entries read these from the environment). */
export interface ChildWorkerEnv {
  redisUrl: string;
  databaseUrl: string;
  upstreamUrl: string;
  /** The Redis key prefix of its queues. */
  prefix: string;
}

/**
 * Starts `script` (a path from the repository root) under tsx and waits until it prints `ready <worker id>`. The
 * caller kills the child when done.
 */
export async function startChildWorker(
  script: string,
  env: ChildWorkerEnv,
): Promise<{ child: ChildProcess; workerId: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      REDIS_URL: env.redisUrl,
      DATABASE_URL: env.databaseUrl,
      UPSTREAM_URL: env.upstreamUrl,
      QUEUE_PREFIX: env.prefix,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  try {
    const workerId = await waitFor(() => /ready (\S+)/.exec(output)?.[1], `the child worker to start: ${output}`, {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    return { child, workerId };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
