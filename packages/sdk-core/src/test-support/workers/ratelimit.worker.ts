// A worker process of the multi-process rate-limit proof (multiprocess.int.test.ts). Not part of
// the package: nothing imports it. It shares one Redis limit with its siblings, acquires in a loop
// and prints its admission times (Redis server clock, from the admitting decision) as one JSON line.
import { createInterface } from 'node:readline';
import { isAbortedError } from '../../errors/index.js';
import { RedisRateLimiter } from '../../ratelimit/redis.js';

interface WorkerConfig {
  id: number;
  redisUrl: string;
  prefix: string;
  key: string;
  limit: number;
  windowMs: number;
  burst: number;
  durationMs: number;
  /** Only for the worker that penalizes: when (ms after start) and for how long. */
  penalizeAfterMs?: number;
  penaltyMs?: number;
}

const config = JSON.parse(process.env.RELAYKIT_WORKER ?? '{}') as WorkerConfig;
const limiter = new RedisRateLimiter({
  redisUrl: config.redisUrl,
  prefix: config.prefix,
  rules: [{ limit: config.limit, windowMs: config.windowMs, burst: config.burst }],
});
// Warm the connection and the script cache so start-up does not skew the first second.
await limiter.tryAcquire(`${config.key}:warm-up:${config.id}`);
process.stdout.write(`${JSON.stringify({ ready: config.id })}\n`);

// The test sends the common start instant once every worker is ready.
const lines = createInterface({ input: process.stdin });
const { startAt } = JSON.parse(await new Promise<string>((resolve) => lines.once('line', resolve))) as {
  startAt: number;
};
lines.close();
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));

const endAt = startAt + config.durationMs;
const admissions: number[] = [];
let penalty: { until: number; ms: number } | undefined;
const stop = AbortSignal.timeout(Math.max(1, endAt - Date.now()));
const penalizeAt = config.penalizeAfterMs === undefined ? Infinity : startAt + config.penalizeAfterMs;

for (;;) {
  if (!penalty && Date.now() >= penalizeAt) {
    penalty = { until: await limiter.penalizeUntil(config.key, config.penaltyMs!), ms: config.penaltyMs! };
  }
  try {
    // The penalizing worker must wake for its penalty even while it waits for a slot.
    const signal =
      penalty || penalizeAt === Infinity
        ? stop
        : AbortSignal.any([stop, AbortSignal.timeout(Math.max(1, penalizeAt - Date.now()))]);
    const decision = await limiter.acquireDecision(config.key, 1, { signal });
    admissions.push(decision.at!);
  } catch (error) {
    if (!isAbortedError(error)) throw error;
    if (stop.aborted) break;
  }
}
await limiter.close();
process.stdout.write(`${JSON.stringify({ id: config.id, admissions, penalty })}\n`);
