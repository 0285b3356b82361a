import { createIdempotencyStore, randomKeyPrefix } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe } from 'vitest';
import { createRedisDedupeStore } from './dedupe.js';
import { acksOnlyWhatIsStored } from '../test-support/webhooks/handler-durability.contract.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)(
  'ACK only after storing (sdk-core Redis IdempotencyStore, shared by every receiver)',
  () => {
    acksOnlyWhatIsStored(() =>
      createIdempotencyStore({ redisUrl: servers.redisUrl!, prefix: randomKeyPrefix('wa-hook-idem') }),
    );
  },
);

describe.skipIf(!servers.redisUrl)('ACK only after storing (deprecated createRedisDedupeStore)', () => {
  acksOnlyWhatIsStored(() =>
    createRedisDedupeStore({ redisUrl: servers.redisUrl!, prefix: randomKeyPrefix('wa-hook') }),
  );
});
