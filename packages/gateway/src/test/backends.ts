// Test support: the two backends every operator-API test runs on — PGlite with the memory queue, and PostgreSQL with
// bee-queue on Redis (skipped when the servers are missing, a failure under CI=true through the global setup).
import { randomUUID } from 'node:crypto';
import { sharedServers } from '@relaykit/testkit/vitest';
import type { GatewayConfigInput } from '../config/index.js';
import { startTestGateway, type TestGateway } from './harness.js';

const servers = sharedServers();

/** A backend to start a test gateway on. */
export interface Backend {
  name: string;
  available: boolean;
  start(overrides?: Partial<GatewayConfigInput>): Promise<TestGateway>;
}

/** PGlite + memory queue, and PostgreSQL + Redis. */
export const BACKENDS: Backend[] = [
  { name: 'PGlite', available: true, start: (overrides = {}) => startTestGateway(overrides) },
  {
    name: 'PostgreSQL + Redis',
    available: Boolean(servers.postgresUrl && servers.redisUrl),
    start: async (overrides = {}) =>
      startTestGateway({
        redis: { url: servers.redisUrl!, prefix: `rk-${randomUUID().slice(0, 8)}` },
        database: { url: await servers.freshDatabase(), dataDir: 'memory://' },
        ...overrides,
      }),
  },
];
