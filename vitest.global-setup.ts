import type { TestProject } from 'vitest/node';
import { missingPostgres, missingRedis, startPostgres, startRedis } from '@relaykit/testkit';

/**
 * Starts one real redis-server and one PostgreSQL for the whole run. With CI=true a missing
 * binary fails the run; elsewhere the run goes on and says, once and loudly, what it skipped.
 */
export default async function setup(project: TestProject) {
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const stops: Array<() => Promise<void>> = [];
  const skipped: string[] = [];

  const redisMissing = missingRedis();
  if (redisMissing) {
    if (ci) throw new Error(`CI=true and Redis is unavailable: ${redisMissing}`);
    skipped.push(`Redis suites: ${redisMissing}`);
    project.provide('relaykitRedisSkipped', redisMissing);
  } else {
    const redis = await startRedis();
    stops.push(() => redis.stop());
    project.provide('relaykitRedisUrl', redis.url);
    process.env.RELAYKIT_TEST_REDIS_URL = redis.url;
  }

  const pgMissing = missingPostgres();
  if (pgMissing) {
    if (ci) throw new Error(`CI=true and PostgreSQL is unavailable: ${pgMissing}`);
    skipped.push(`PostgreSQL suites: ${pgMissing}`);
    project.provide('relaykitPostgresSkipped', pgMissing);
  } else {
    const postgres = await startPostgres();
    stops.push(() => postgres.stop());
    project.provide('relaykitPostgresUrl', postgres.url);
    process.env.RELAYKIT_TEST_POSTGRES_URL = postgres.url;
  }

  if (skipped.length > 0) {
    const bar = '!'.repeat(78);
    console.warn(
      `\n${bar}\n!! SKIPPING integration suites that need real servers:\n${skipped.map((s) => `!!   - ${s}`).join('\n')}\n!! Set CI=true to make this a failure.\n${bar}\n`,
    );
  }

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
