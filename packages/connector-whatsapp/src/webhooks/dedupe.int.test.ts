import { createIdempotencyStore, randomKeyPrefix } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import {
  createMemoryDedupeStore,
  createRedisDedupeStore,
  dedupeStoreFromIdempotency,
  type DedupeStore,
} from './dedupe.js';

const servers = sharedServers();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function behaves(store: DedupeStore, options: { ownerTokens: boolean }) {
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(true);
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(false);
  expect(await store.firstSeen('status:wamid.1:delivered', 60_000)).toBe(true);
  await store.forget('status:wamid.1:read');
  expect(await store.firstSeen('status:wamid.1:read', 60_000)).toBe(true);
  expect(await store.firstSeen('message:short-lived', 30)).toBe(true);
  await sleep(60);
  expect(await store.firstSeen('message:short-lived', 30)).toBe(true);

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
  expect((await store.claim('message:c', 40)).state).toBe('new');
  expect((await store.claim('message:c', 40)).state).toBe('processing');
  await sleep(80);
  const c2 = await store.claim('message:c', 60_000);
  expect(c2.state).toBe('new');

  if (options.ownerTokens) {
    // A late release by a receiver whose lease expired never drops the next owner's claim.
    await store.release('message:c', 'someone-elses-token');
    expect((await store.claim('message:c', 60_000)).state).toBe('processing');
  }
  await store.close();
}

describe('dedupe stores', () => {
  it('memory', () => behaves(createMemoryDedupeStore(), { ownerTokens: true }));
  it('over an sdk-core IdempotencyStore', () =>
    behaves(dedupeStoreFromIdempotency(createIdempotencyStore()), { ownerTokens: false }));
  describe.skipIf(!servers.redisUrl)('redis', () => {
    it('redis (shared by every receiver)', async () => {
      const prefix = randomKeyPrefix('wa-dedupe');
      const other = createRedisDedupeStore({ redisUrl: servers.redisUrl!, prefix });
      await behaves(createRedisDedupeStore({ redisUrl: servers.redisUrl!, prefix }), { ownerTokens: true });
      expect(await other.firstSeen('status:wamid.1:delivered', 60_000)).toBe(false);
      expect(await other.claim('message:a', 60_000)).toEqual({ state: 'done' });
      await other.close();
    });
  });
});
