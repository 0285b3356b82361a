import { createIdempotencyStore, randomKeyPrefix } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe } from 'vitest';
import { createRedisDedupeStore, dedupeStoreFromIdempotency } from './dedupe.js';
import { acksOnlyWhatIsStored } from './handler.durability.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('ACK only after storing (Redis dedupe, shared by every receiver)', () => {
  acksOnlyWhatIsStored(() =>
    createRedisDedupeStore({ redisUrl: servers.redisUrl!, prefix: randomKeyPrefix('wa-hook') }),
  );
});

describe.skipIf(!servers.redisUrl)('ACK only after storing (sdk-core Redis IdempotencyStore as dedupe)', () => {
  acksOnlyWhatIsStored(() =>
    dedupeStoreFromIdempotency(
      createIdempotencyStore({ redisUrl: servers.redisUrl!, prefix: randomKeyPrefix('wa-hook-idem') }),
    ),
  );
});
