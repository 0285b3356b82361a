import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { randomKeyPrefix } from '../redis/index.js';
import { createCheckpointStore } from './factory.js';
import { RedisCheckpointStore } from './redis.js';
import { checkpointStoreBehaviour } from '../test-support/checkpoint/store.contract.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('redis', () => {
  checkpointStoreBehaviour(
    'redis',
    async () => new RedisCheckpointStore({ redisUrl: servers.redisUrl!, prefix: randomKeyPrefix('relaykit:test:cp') }),
  );

  it('createCheckpointStore picks Redis for a redisUrl, and survives a new connection', async () => {
    const prefix = randomKeyPrefix('relaykit:test:cp');
    const a = createCheckpointStore({ redisUrl: servers.redisUrl!, prefix });
    expect(a).toBeInstanceOf(RedisCheckpointStore);
    await a.set('mahak', 'Person', 2n ** 63n - 1n);
    await a.close();
    const b = createCheckpointStore({ redisUrl: servers.redisUrl!, prefix });
    expect(await b.get('mahak', 'Person')).toBe(9223372036854775807n);
    await b.close();
  });
});
