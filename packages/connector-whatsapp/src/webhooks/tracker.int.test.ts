import { describe } from 'vitest';
import { sharedServers } from '@relaykit/testkit/vitest';
import { behaves } from '../test-support/webhooks/status-tracker.contract.js';
import { createRedisStatusTracker } from './tracker-redis.js';

const servers = sharedServers();
describe.skipIf(!servers.redisUrl)('redis', () => {
  behaves('redis status tracker', () =>
    createRedisStatusTracker({ redisUrl: servers.redisUrl!, prefix: `wa-test:${Math.random().toString(36).slice(2)}` }),
  );
});
