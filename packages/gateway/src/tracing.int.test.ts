// One trace from the submitting request to the upstream call: the API process records the job with the request's
// trace context, the job crosses Redis (so no in-process async context can carry it), a worker gateway continues
// the trace in its attempt span, and the runtime's HttpClient sends `traceparent` to the upstream.
import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { silentLogger } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from './config/index.js';
import { Gateway, type GatewayRole } from './gateway.js';
import { echoConnector, startEchoUpstream, type EchoUpstream } from './test-support/echo.js';

const servers = sharedServers();
const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

describe('traces end to end (OpenTelemetry SDK registered)', () => {
  let upstream: EchoUpstream;
  const gateways: Gateway[] = [];
  let url = '';
  let apiKey = '';

  beforeAll(async () => {
    if (!servers.redisUrl || !servers.postgresUrl) return;
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    upstream = await startEchoUpstream();
    const config = parseConfig(
      {
        server: { port: 0, shutdownTimeout: '2s' },
        redis: { url: servers.redisUrl, prefix: `rk-trace-${randomUUID().slice(0, 8)}` },
        database: { url: await servers.freshDatabase() },
        environments: ['development'],
        instances: { 'echo-dev': { connector: 'echo', environment: 'development', config: { baseUrl: upstream.url } } },
      },
      {},
    );
    const start = async (role: GatewayRole) => {
      const g = await Gateway.create({ config, role, connectors: { echo: echoConnector }, logger: silentLogger });
      gateways.push(g);
      return g;
    };
    const api = await start('api');
    await start('worker');
    url = await api.listen(0, '127.0.0.1');
    apiKey = (await api.keys.create({ name: 'trace', environment: 'development', scopes: ['*'] })).secret;
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    await upstream?.close();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach((ctx) => {
    if (!servers.redisUrl || !servers.postgresUrl)
      ctx.skip('no redis-server or PostgreSQL on this machine (CI=true fails instead)');
  });

  it('POST /v1/... → enqueue → the attempt in a worker → the upstream call: one trace id', async () => {
    // The caller's own trace: the gateway continues it rather than starting another.
    const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${url}/v1/echo-dev/send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        traceparent: `00-${callerTraceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ key: 'traced', value: 1 }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor(() => upstream.writes.some((w) => w.key === 'traced'), 'the upstream write');
    const spanNamed = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name);
    await waitFor(() => spanNamed('job echo-dev/send'), 'the attempt span to end');

    const server = spanNamed('POST /v1/:instance/:operation')!;
    const enqueue = spanNamed('enqueue jobs.echo-dev')!;
    const attempt = spanNamed('job echo-dev/send')!;
    const client = exporter.getFinishedSpans().find((s) => s.name.startsWith('POST /put'))!;
    for (const span of [server, enqueue, attempt, client]) {
      expect(span, 'every span was recorded').toBeDefined();
      expect(span.spanContext().traceId).toBe(callerTraceId);
    }
    // Parent links: request → enqueue and request → attempt (across Redis), attempt → upstream call.
    expect(enqueue.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(attempt.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(client.parentSpanContext?.spanId).toBe(attempt.spanContext().spanId);
    expect(attempt.attributes).toMatchObject({ 'relaykit.job.id': id, 'relaykit.instance': 'echo-dev' });
    // The upstream saw the client span's context in `traceparent`.
    const sent = upstream.traceparents.at(-1)!;
    expect(sent).toBe(`00-${callerTraceId}-${client.spanContext().spanId}-01`);
  }, 60_000);
});
