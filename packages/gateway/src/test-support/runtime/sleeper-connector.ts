// Test support for the fencing tests (not part of the package's API): an operation that waits, then makes one
// upstream write with the operation's signal — the side effect a stalled holder must not repeat.
import { z } from 'zod';
import { defineConnector } from '@relaykit/sdk-core';

export const sleeperConnector = defineConnector({
  name: 'sleeper',
  version: '1.0.0',
  config: z.object({ baseUrl: z.string() }),
  setup: (ctx) => ({ baseUrl: ctx.config.baseUrl }),
  operations: {
    sleepThenPut: {
      description: 'Sleeps `ms`, then writes `key` upstream once.',
      idempotent: true,
      input: z.object({ key: z.string(), ms: z.number().int().min(0) }),
      output: z.object({ count: z.number() }),
      async run(ctx, input) {
        await new Promise<void>((resolve) => setTimeout(resolve, input.ms));
        const res = await fetch(`${(ctx.state as { baseUrl: string }).baseUrl}/put`, {
          method: 'POST',
          body: JSON.stringify({ key: input.key, value: process.pid }),
          signal: ctx.signal,
        });
        return { count: ((await res.json()) as { count: number }).count };
      },
    },
  },
});

/** The configuration both the child worker and the test's own gateways use. */
export function sleeperConfig(env: { redisUrl: string; databaseUrl: string; upstreamUrl: string; prefix: string }) {
  return {
    redis: { url: env.redisUrl, prefix: env.prefix },
    database: { url: env.databaseUrl },
    jobs: { stallInterval: '1s', reconcileInterval: '1h', stallLimit: 3 },
    environments: ['development'],
    instances: {
      s: {
        connector: 'sleeper',
        environment: 'development',
        config: { baseUrl: env.upstreamUrl },
        concurrency: 2,
        retry: { attempts: 3, delay: '20ms' },
      },
    },
  };
}
