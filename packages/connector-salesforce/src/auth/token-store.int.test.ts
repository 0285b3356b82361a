import { createEnvelopeCipher, createRedisClient, generateKey, randomKeyPrefix } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { MemoryTokenStore, RedisTokenStore, type StoredSession } from './token-store.js';

const servers = sharedServers();
const session: StoredSession = {
  accessToken: '00D!secret-access',
  instanceUrl: 'https://acme.my.salesforce.com',
  generation: 3,
  issuedAt: 1,
  refreshToken: 'rt-secret',
};

describe('MemoryTokenStore', () => {
  it('round-trips copies', async () => {
    const store = new MemoryTokenStore();
    await store.set('k', session);
    const got = await store.get('k');
    expect(got).toEqual(session);
    got!.generation = 99;
    expect((await store.get('k'))!.generation).toBe(3);
  });
});

describe.skipIf(!servers.redisUrl)('RedisTokenStore', () => {
  it('shares sessions between instances and seals them at rest with a cipher', async () => {
    const prefix = randomKeyPrefix('relaykit:test:sf-store');
    const cipher = createEnvelopeCipher({ keys: [{ id: 'k1', key: generateKey() }] });
    const a = new RedisTokenStore({ redisUrl: servers.redisUrl!, prefix, cipher });
    const b = new RedisTokenStore({ redisUrl: servers.redisUrl!, prefix, cipher });
    const raw = createRedisClient(servers.redisUrl!);
    try {
      expect(await a.get('org')).toBeUndefined();
      await a.set('org', session);
      expect(await b.get('org')).toEqual(session);
      const stored = await raw.get(`${prefix}:org`);
      expect(stored).not.toContain('secret');
      expect(await raw.pttl(`${prefix}:org`)).toBeGreaterThan(0);
      // Bound to its key: the same envelope under another key does not open.
      await raw.set(`${prefix}:other`, stored!);
      await expect(b.get('other')).rejects.toThrow();
    } finally {
      await a.close();
      await b.close();
      raw.disconnect();
    }
  });
});
