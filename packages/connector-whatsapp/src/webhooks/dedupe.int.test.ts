import { createIdempotencyStore, randomKeyPrefix } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import {
  createMemoryDedupeStore,
  createRedisDedupeStore,
  dedupeStoreFromIdempotency,
  type DedupeStore,
} from './dedupe.js';

const servers = sharedServers();

async function behaves(store: DedupeStore) {
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(true);
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(false);
  expect(await store.firstSeen('status:wamid.1:delivered', 60_000)).toBe(true);
  await store.forget('status:wamid.1:read');
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(true);
  expect(await store.firstSeen('message:short-lived', 30)).toBe(true);
  expect(await store.firstSeen('message:short-lived', 30)).toBe(false);
  await waitFor(() => store.firstSeen('message:short-lived', 30), 'the short-lived key to expire');

  // Claim → complete: duplicates are `done` for the long TTL.
  const a = await store.claim('message:a', 60_000);
  expect(a.state).toBe('new');
  expect(await store.claim('message:a', 60_000)).toMatchObject({ state: 'processing' });
  await store.complete('message:a', a.state === 'new' ? a.token : '', 60_000);
  expect(await store.claim('message:a', 60_000)).toEqual({ state: 'done' });

  // Claim → release: the retry owns it again.
  const b = await store.claim('message:b', 60_000);
  await store.release('message:b', b.state === 'new' ? b.token : '');
  expect((await store.claim('message:b', 60_000)).state).toBe('new');

  // Claim → crash (neither complete nor release): the lease runs out, the retry is new.
  const c1 = await store.claim('message:c', 40);
  expect(c1.state).toBe('new');
  expect((await store.claim('message:c', 40)).state).toBe('processing');
  const c2 = await waitFor(async () => {
    const claim = await store.claim('message:c', 60_000);
    return claim.state === 'new' && claim;
  }, 'the crashed lease to run out');

  // A late release by a receiver whose lease expired never drops the next owner's claim.
  await store.release('message:c', c1.state === 'new' ? c1.token : '');
  expect((await store.claim('message:c', 60_000)).state).toBe('processing');
  await store.release('message:c', c2.token);
  expect((await store.claim('message:c', 60_000)).state).toBe('new');
  await store.close();
}

describe('dedupe over an sdk-core IdempotencyStore', () => {
  it('memory', () => behaves(dedupeStoreFromIdempotency(createIdempotencyStore())));
  it('memory (deprecated createMemoryDedupeStore)', () => behaves(createMemoryDedupeStore()));
  describe.skipIf(!servers.redisUrl)('redis', () => {
    it('redis (shared by every receiver)', async () => {
      const prefix = randomKeyPrefix('wa-dedupe');
      const store = createIdempotencyStore({ redisUrl: servers.redisUrl!, prefix });
      const other = createIdempotencyStore({ redisUrl: servers.redisUrl!, prefix });
      await behaves(dedupeStoreFromIdempotency(store));
      // The view leaves the store open (it is the caller's).
      expect(await dedupeStoreFromIdempotency(store).claim('message:a', 60_000)).toEqual({ state: 'done' });
      expect(await dedupeStoreFromIdempotency(other).claim('message:a', 60_000)).toEqual({ state: 'done' });
      await store.close();
      await other.close();
    });
    it('redis (deprecated createRedisDedupeStore), seen by every receiver', async () => {
      const prefix = randomKeyPrefix('wa-dedupe');
      const other = createRedisDedupeStore({ redisUrl: servers.redisUrl!, prefix });
      await behaves(createRedisDedupeStore({ redisUrl: servers.redisUrl!, prefix }));
      expect(await other.firstSeen('status:wamid.1:delivered', 60_000)).toBe(false);
      expect(await other.claim('message:a', 60_000)).toEqual({ state: 'done' });
      await other.close();
    });
  });
});
