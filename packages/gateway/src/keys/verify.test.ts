import { pgliteSqlClient, type SqlClient } from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../store/migrations.js';
import { ApiKeyStore } from './keys.js';

describe('ApiKeyStore.verify', () => {
  let db: SqlClient;
  let selects = 0;
  // When set, key lookups return only after it resolves: lets a test land a revocation mid-lookup.
  let hold: Promise<void> | undefined;
  // Called once a key lookup has read its row (before it waits on `hold`).
  let onRead: (() => void) | undefined;
  let counting: SqlClient;
  beforeAll(async () => {
    db = await pgliteSqlClient();
    await migrate(db);
    counting = {
      ...db,
      engine: db.engine,
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
      query: async (text, params) => {
        if (!/^SELECT \* FROM relaykit_api_keys/.test(text)) return db.query(text, params);
        selects++;
        const result = await db.query(text, params);
        onRead?.();
        await hold;
        return result as never;
      },
    };
  });
  afterAll(async () => {
    await db.close();
  });

  it('shares one lookup among concurrent requests for the same key, then serves the cache', async () => {
    const keys = new ApiKeyStore(counting, { cacheMs: 60_000 });
    const { key, secret } = await keys.create({ name: 'app', environment: 'production', scopes: ['*'] });
    selects = 0;
    const verified = await Promise.all(Array.from({ length: 50 }, () => keys.verify(secret)));
    expect(verified.every((k) => k?.id === key.id)).toBe(true);
    expect(selects).toBe(1);
    await keys.verify(secret);
    expect(selects).toBe(1);
  });

  it('refuses a wrong secret for a real id, and shares nothing with the right one', async () => {
    const keys = new ApiKeyStore(counting, { cacheMs: 60_000 });
    const { secret } = await keys.create({ name: 'app2', environment: 'production', scopes: ['*'] });
    const forged = secret.slice(0, -4) + (secret.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const [good, bad] = await Promise.all([keys.verify(secret), keys.verify(forged)]);
    expect(good).toBeDefined();
    expect(bad).toBeUndefined();
  });

  it('does not cache a key whose lookup raced a revocation', async () => {
    const keys = new ApiKeyStore(counting, { cacheMs: 60_000 });
    const { key, secret } = await keys.create({ name: 'app3', environment: 'production', scopes: ['*'] });
    // The lookup reads the row while it is still valid; the revocation completes before the lookup's answer is used.
    let release!: () => void;
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const read = new Promise<void>((resolve) => {
      onRead = resolve;
    });
    const inFlight = keys.verify(secret);
    await read;
    onRead = undefined;
    await keys.revoke(key.id);
    release();
    hold = undefined;
    expect((await inFlight)?.id).toBe(key.id); // read before the revocation: that request was already admitted
    expect(await keys.verify(secret)).toBeUndefined(); // but it was not cached: the next request is refused
  });
});
