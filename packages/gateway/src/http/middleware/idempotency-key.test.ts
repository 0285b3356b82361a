import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { MemoryIdempotencyStore } from '@relaykit/sdk-core';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpDeps } from '../types.js';
import { idempotencyKey } from './idempotency-key.js';

describe('idempotencyKey middleware', () => {
  const servers: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('a request that outlived its claim, whose key another body took over, still answers; the key keeps the other', async () => {
    let now = 1_000_000;
    const store = new MemoryIdempotencyStore({ now: () => now });
    const warnings: string[] = [];
    const deps = {
      idempotency: store,
      config: { idempotency: { ttl: 60_000 } },
      logger: { warn: (_: unknown, message: string) => warnings.push(message) },
    } as unknown as HttpDeps;
    const scope = 'apikey:k1';
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.state.apiKey = { id: 'k1' };
      ctx.state.rawBody = Buffer.from('{"n":1}');
      await next();
    });
    app.use(idempotencyKey(deps));
    app.use(async (ctx) => {
      // The handler runs past its 60 s claim; meanwhile a request with another body takes the key over.
      now += 61_000;
      const other = createHash('sha256').update('POST\n/other\n').digest('hex');
      expect(await store.begin(scope, 'K', other, { lockTtlMs: 60_000 })).toMatchObject({ state: 'new' });
      await store.complete(scope, 'K', other, { status: 202, headers: {}, body: { id: 'other' } });
      ctx.status = 202;
      ctx.body = { id: 'mine' };
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mine`, {
      method: 'POST',
      headers: { 'idempotency-key': 'K' },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: 'mine' });
    expect(warnings).toHaveLength(1);
    const other = createHash('sha256').update('POST\n/other\n').digest('hex');
    expect(await store.begin(scope, 'K', other)).toMatchObject({
      state: 'completed',
      result: { body: { id: 'other' } },
    });
  });
});
