// Test support: starts a gateway over the echo connector and gives a small fetch helper.
import { parseConfig, type GatewayConfigInput } from '../config/index.js';
import { Gateway, type GatewayOptions } from '../gateway.js';
import { echoConnector, startEchoUpstream, type EchoUpstream } from './echo.js';
import { silentLogger } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { randomUUID } from 'node:crypto';

/** The `/metrics` bearer token of test gateways. */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';

export interface TestGateway {
  gateway: Gateway;
  url: string;
  upstream: EchoUpstream;
  /** Keys: dev (echo-dev, all scopes), prod (echo-prod), narrow (echo-dev:put only). */
  keys: { dev: string; prod: string; narrow: string };
  call(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export async function startTestGateway(
  overrides: Partial<GatewayConfigInput> = {},
  options: Partial<GatewayOptions> = {},
): Promise<TestGateway> {
  const upstream = await startEchoUpstream();
  const config = parseConfig(
    {
      server: { port: 0, shutdownTimeout: '2s' },
      jobs: { stallInterval: '1s', reconcileInterval: '1s', stallLimit: 2 },
      apiKeys: { rateLimits: [{ limit: 1000, window: '1s' }] },
      metrics: { token: METRICS_TOKEN },
      environments: ['development', 'production'],
      instances: {
        'echo-dev': {
          connector: 'echo',
          environment: 'development',
          config: { baseUrl: upstream.url },
          retry: { attempts: 3, delay: '20ms', maxDelay: '100ms' },
          timeout: '5s',
        },
        'echo-prod': { connector: 'echo', environment: 'production', config: { baseUrl: upstream.url } },
      },
      ...overrides,
    },
    {},
  );
  const gateway = await Gateway.create({
    config,
    connectors: { echo: echoConnector },
    logger: silentLogger,
    ...options,
  });
  const url = await gateway.listen(0, '127.0.0.1');
  const keys = {
    dev: (await gateway.keys.create({ name: 'dev', environment: 'development', scopes: ['*'] })).secret,
    prod: (await gateway.keys.create({ name: 'prod', environment: 'production', scopes: ['echo-prod:*'] })).secret,
    narrow: (await gateway.keys.create({ name: 'narrow', environment: 'development', scopes: ['echo-dev:put'] }))
      .secret,
  };
  return {
    gateway,
    url,
    upstream,
    keys,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.key ? { authorization: `Bearer ${o.key}` } : {}), ...o.headers };
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async close() {
      await gateway.close();
      await upstream.close();
    },
  };
}

/**
 * A test gateway on the run's PostgreSQL (a fresh database) and Redis (bee-queue, a fresh key prefix), with
 * `overrides` on top. Only where both servers run (`sharedServers()`): callers skip otherwise.
 */
export async function startServerGateway(
  overrides: Partial<GatewayConfigInput> = {},
  options: Partial<GatewayOptions> = {},
): Promise<TestGateway> {
  const servers = sharedServers();
  return startTestGateway(
    {
      redis: { url: servers.redisUrl!, prefix: `rk-${randomUUID().slice(0, 8)}` },
      database: { url: await servers.freshDatabase(), dataDir: 'memory://' },
      ...overrides,
    },
    options,
  );
}

/** Polls a job until it is final. */
export async function waitFinal(t: TestGateway, id: string, key = t.keys.dev, timeoutMs = 10_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.call('GET', `/v1/jobs/${id}`, { key });
    if (['succeeded', 'failed', 'dead', 'cancelled'].includes(res.body.status)) return res.body;
    if (Date.now() > until) throw new Error(`job ${id} not final: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
