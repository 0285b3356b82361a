// The chaos suite's connector: one idempotent upsert per job against the fake upstream (see upstream.ts).
import { RelaykitError, defineConnector } from '@relaykit/sdk-core';
import { z } from 'zod';

export const upsertConnector = defineConnector({
  name: 'records',
  version: '1.0.0',
  description: 'Upserts a record by key on the chaos upstream.',
  config: z.object({ baseUrl: z.string() }),
  setup: (ctx) => ({ baseUrl: ctx.config.baseUrl }),
  operations: {
    upsert: {
      description: 'PUT /records/:key',
      idempotent: true,
      input: z.object({ key: z.string().min(1), value: z.number() }),
      output: z.object({ created: z.boolean() }),
      async run(ctx, input) {
        const state = ctx.state as { baseUrl: string };
        let res: Response;
        try {
          res = await fetch(`${state.baseUrl}/records/${encodeURIComponent(input.key)}`, {
            method: 'PUT',
            body: JSON.stringify({ value: input.value }),
            headers: {
              'content-type': 'application/json',
              ...(ctx.idempotencyKey ? { 'idempotency-key': ctx.idempotencyKey } : {}),
            },
            signal: ctx.signal,
          });
        } catch (cause) {
          if (ctx.signal.aborted) throw cause;
          throw new RelaykitError('UPSTREAM_NETWORK', 'the upstream could not be reached', { cause });
        }
        const text = await res.text();
        if (res.status === 429) {
          const error = new RelaykitError('UPSTREAM_RATE_LIMITED', 'the upstream is rate limiting (429)');
          Object.assign(error, { retryAfterMs: Number(res.headers.get('retry-after') ?? 1) * 1000 });
          throw error;
        }
        if (res.status >= 500) throw new RelaykitError('UPSTREAM_UNAVAILABLE', `the upstream answered ${res.status}`);
        if (!res.ok) throw new RelaykitError('UPSTREAM_REJECTED', `the upstream answered ${res.status}: ${text}`);
        return { created: res.status === 201 };
      },
    },
  },
});

/** Configuration shared by the API and worker processes of a chaos run. */
export function chaosConfig(env: {
  redisUrl: string;
  databaseUrl: string;
  upstreamUrl: string;
  prefix: string;
  leaseMs: number;
  port: number;
  concurrency: number;
  /** Finished jobs (with their attempts), stored responses and audit entries deleted this long after (default: kept). */
  retentionMs?: number;
}) {
  const keep = env.retentionMs;
  return {
    ...(keep === undefined
      ? {}
      : {
          idempotency: { ttl: `${keep}ms` },
          privacy: {
            retention: {
              interval: `${Math.max(1000, Math.round(keep / 6))}ms`,
              batch: 2000,
              classes: {
                jobs: { keep: `${keep}ms`, action: 'delete' },
                deadJobs: { keep: `${keep}ms`, action: 'delete' },
                idempotency: { keep: '0ms', action: 'delete' },
                audit: { keep: `${keep}ms`, action: 'delete' },
              },
            },
          },
        }),
    server: { port: env.port, host: '127.0.0.1', shutdownTimeout: '3s' },
    redis: { url: env.redisUrl, prefix: env.prefix },
    database: { url: env.databaseUrl },
    jobs: { stallInterval: `${env.leaseMs}ms`, reconcileInterval: '2s', stallLimit: 5 },
    apiKeys: { rateLimits: [{ limit: 100_000, window: '1s' }] },
    environments: ['production'],
    instances: {
      org: {
        connector: 'records',
        environment: 'production',
        config: { baseUrl: env.upstreamUrl },
        concurrency: env.concurrency,
        timeout: '10s',
        retry: { attempts: 30, backoff: 'exponential', delay: '100ms', maxDelay: '2s' },
      },
    },
  };
}
