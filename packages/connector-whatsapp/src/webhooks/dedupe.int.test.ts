import { createIdempotencyStore, randomKeyPrefix } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { createMemoryDedupeStore, createRedisDedupeStore, dedupeStoreFromIdempotency, type DedupeStore } from './dedupe.js';

const servers = sharedServers();

async function behaves(store: DedupeStore) {
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(true);
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(false);
  expect(await store.firstSeen('status:wamid.1:delivered', 60_000)).toBe(true);
  await store.forget('status:wamid.1:read');
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(true);
  expect(await store.firstSeen('message:short-lived', 30)).toBe(true);
  await new Promise((r) => setTimeout(r, 60));
  expect(await store.firstSeen('message:short-lived', 30)).toBe(true);
  await store.close();
}

describe('dedupe stores', () => {
  it('memory', () => behaves(createMemoryDedupeStore()));
  it('over an sdk-core IdempotencyStore', () => behaves(dedupeStoreFromIdempotency(createIdempotencyStore())));
  describe.skipIf(!servers.redisUrl)('redis', () => {
    it('redis (shared by every receiver)', async () => {
      const prefix = randomKeyPrefix('wa-dedupe');
      const other = createRedisDedupeStore({ redisUrl: servers.redisUrl!, prefix });
      await behaves(createRedisDedupeStore({ redisUrl: servers.redisUrl!, prefix }));
      expect(await other.firstSeen('status:wamid.1:delivered', 60_000)).toBe(false);
      await other.close();
    });
  });
});
