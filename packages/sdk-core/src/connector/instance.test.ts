import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { isValidationError } from '../errors/index.js';
import { defineConnector, isConnector, operationsFor } from './define.js';
import { instantiateConnector } from './instance.js';

class CounterClient {
  calls: string[] = [];
  constructor(readonly prefix: string) {}
  greet(name: string): string {
    this.calls.push(name);
    return `${this.prefix} ${name}`;
  }
}

const op = operationsFor<CounterClient>();
const counter = defineConnector({
  name: 'counter',
  version: '1.0.0',
  config: z.object({ prefix: z.string().min(1) }),
  setup: (ctx) => new CounterClient(ctx.config.prefix),
  operations: {
    greet: op({
      description: 'Greets someone',
      idempotent: true,
      input: z.object({ name: z.string().min(1), times: z.number().int().default(1) }),
      output: z.object({ greeting: z.string(), attempt: z.number() }),
      run: async (ctx, input) => {
        expectTypeOf(input.times).toEqualTypeOf<number>();
        expectTypeOf(ctx.state).toEqualTypeOf<CounterClient>();
        ctx.progress({ step: 'greeting' });
        return { greeting: ctx.state.greet(input.name).repeat(input.times), attempt: ctx.attempt };
      },
    }),
    broken: op({
      description: 'Returns something its schema refuses',
      idempotent: true,
      input: z.object({}),
      output: z.object({ n: z.number() }),
      run: async () => ({ n: 'not a number' as unknown as number }),
    }),
  },
});

describe('defineConnector / instantiateConnector', () => {
  it('brands the connector and types run() from the schemas', async () => {
    expect(isConnector(counter)).toBe(true);
    expect(isConnector({ name: 'x' })).toBe(false);
    const instance = await instantiateConnector(counter, { config: { prefix: 'hi' } });
    const events: Array<Record<string, unknown>> = [];
    const out = await instance.run('greet', { name: 'Sita' }, { attempt: 2, onProgress: (e) => events.push(e) });
    expectTypeOf(out).toEqualTypeOf<{ greeting: string; attempt: number }>();
    expect(out).toEqual({ greeting: 'hi Sita', attempt: 2 });
    expect(events).toEqual([{ step: 'greeting' }]);
    expect(instance.state.calls).toEqual(['Sita']);
    await instance.close();
  });

  it('rejects a bad configuration with every problem by path', async () => {
    const error = await instantiateConnector(counter, { config: { prefix: '' } }).catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    if (!isValidationError(error)) return;
    expect(error.code).toBe('VALIDATION');
    expect(error.issues.map((i) => i.path)).toEqual([['prefix']]);
  });

  it('validates input before run and output after it', async () => {
    const instance = await instantiateConnector(counter, { config: { prefix: 'hi' } });
    const badInput = await instance.run('greet', { name: '' }).catch((e: unknown) => e);
    expect(isValidationError(badInput) && badInput.issues[0]?.path).toEqual(['name']);
    expect(instance.state.calls).toEqual([]);
    const badOutput = await instance.run('broken', {}).catch((e: unknown) => e);
    expect(isValidationError(badOutput) && badOutput.message).toMatch(/Output of counter.broken/);
    await instance.close();
  });

  it('refuses to start an aborted run', async () => {
    const instance = await instantiateConnector(counter, { config: { prefix: 'hi' } });
    const controller = new AbortController();
    controller.abort();
    await expect(instance.run('greet', { name: 'a' }, { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(instance.state.calls).toEqual([]);
    await instance.close();
  });

  it('gives operations working in-memory services by default', async () => {
    const instance = await instantiateConnector(counter, {
      config: { prefix: 'hi' },
      rateLimits: [{ limit: 1, windowMs: 60_000, burst: 1 }],
    });
    const { rateLimiter, idempotency, checkpoints, lock } = instance.services;
    expect((await rateLimiter.tryAcquire('k')).allowed).toBe(true);
    expect((await rateLimiter.tryAcquire('k')).allowed).toBe(false);
    expect(await idempotency.begin('s', 'key', 'fp')).toEqual({ state: 'new' });
    await checkpoints.set('src', 'entity', 2n ** 63n - 1n);
    expect(await checkpoints.get('src', 'entity')).toBe(2n ** 63n - 1n);
    const handle = await lock.acquire('refresh', 1_000);
    expect(handle).toBeDefined();
    expect(await lock.acquire('refresh', 1_000, { waitMs: 0 })).toBeUndefined();
    await handle?.release();
    await instance.close();
  });
});
