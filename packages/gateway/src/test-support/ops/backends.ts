// Test support: the two backends every operator-route test runs on, and keys for each permission set.
import { sharedServers } from '@relaykit/testkit/vitest';
import type { GatewayConfigInput } from '../../config/index.js';
import type { GatewayOptions } from '../../gateway.js';
import { startServerGateway, startTestGateway, type TestGateway } from '../harness.js';

const servers = sharedServers();

/** A backend: embedded PGlite with the in-memory queue, or PostgreSQL with Redis (bee-queue). */
export interface Backend {
  name: string;
  start(overrides?: Partial<GatewayConfigInput>, options?: Partial<GatewayOptions>): Promise<TestGateway>;
}

/** PGlite always; PostgreSQL + Redis when the test servers run (always under CI=true). */
export const BACKENDS: Backend[] = [
  { name: 'PGlite', start: (overrides, options) => startTestGateway(overrides, options) },
  ...(servers.postgresUrl && servers.redisUrl
    ? [
        {
          name: 'PostgreSQL + Redis',
          start: startServerGateway,
        },
      ]
    : []),
];

/** Keys of the development environment with the console roles' permissions, and one of production. */
export async function operatorKeys(t: TestGateway) {
  const make = async (name: string, environment: string, scopes: string[]) =>
    (await t.gateway.keys.create({ name, environment, scopes })).secret;
  return {
    viewer: await make('viewer', 'development', ['admin:read']),
    operator: await make('operator', 'development', ['admin:read', 'admin:operate']),
    admin: await make('admin', 'development', ['admin:*']),
    prodAdmin: await make('prod-admin', 'production', ['admin:*']),
  };
}
