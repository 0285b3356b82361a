import { inject } from 'vitest';
import { createDatabase } from '../postgres.js';

/** What the vitest global setup started for the whole run (see `vitest.global-setup.ts`). */
export interface SharedServers {
  /** URL of the run's shared redis-server, or undefined when it was skipped (never with CI=true). */
  redisUrl: string | undefined;
  /** Admin URL of the run's shared PostgreSQL, or undefined when it was skipped (never with CI=true). */
  postgresUrl: string | undefined;
  /** Why Redis was skipped. */
  redisSkipped: string | undefined;
  /** Why PostgreSQL was skipped. */
  postgresSkipped: string | undefined;
  /** A fresh empty database on the shared server (throws when PostgreSQL was skipped). */
  freshDatabase(): Promise<string>;
}

/**
 * The servers shared by every test file of this run. Integration suites use
 * `describe.skipIf(!servers.redisUrl)` so that a machine without Redis skips them loudly
 * (the global setup prints why), while CI=true fails the whole run instead.
 */
export function sharedServers(): SharedServers {
  const redisUrl = inject('relaykitRedisUrl') || undefined;
  const postgresUrl = inject('relaykitPostgresUrl') || undefined;
  return {
    redisUrl,
    postgresUrl,
    redisSkipped: inject('relaykitRedisSkipped') || undefined,
    postgresSkipped: inject('relaykitPostgresSkipped') || undefined,
    async freshDatabase() {
      if (!postgresUrl) throw new Error('PostgreSQL is not available in this run');
      return createDatabase(postgresUrl);
    },
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    relaykitRedisUrl: string;
    relaykitPostgresUrl: string;
    relaykitRedisSkipped: string;
    relaykitPostgresSkipped: string;
  }
}
