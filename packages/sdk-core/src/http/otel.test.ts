import { trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { HttpClient } from './client.js';
import { loadDefaultTracer } from './otel.js';

describe('OpenTelemetry through @opentelemetry/api (optional peer, installed here)', () => {
  it('uses the global tracer provider when no tracer is injected', async () => {
    const spans: Array<{ name: string; kind: unknown; attrs: Record<string, unknown>; ended: boolean }> = [];
    const tracer = {
      startSpan(name: string, options?: { kind?: number }) {
        const span = { name, kind: options?.kind, attrs: {} as Record<string, unknown>, ended: false };
        spans.push(span);
        return {
          isRecording: () => true,
          setAttribute: (k: string, v: unknown) => {
            span.attrs[k] = v;
          },
          setStatus: () => undefined,
          end: () => {
            span.ended = true;
          },
        };
      },
    } as unknown as Tracer;
    const provider = { getTracer: () => tracer } as unknown as TracerProvider;
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    expect(await loadDefaultTracer()).not.toBeNull();

    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('https://otel.test').intercept({ path: '/x', method: 'GET' }).reply(200, 'ok');
    const http = new HttpClient({ baseUrl: 'https://otel.test', dispatcher: agent });
    await http.request({ method: 'GET', path: '/x' });
    expect(spans).toEqual([
      {
        name: 'GET /x',
        kind: 2,
        ended: true,
        attrs: expect.objectContaining({
          'http.request.method': 'GET',
          'server.address': 'otel.test',
          'url.template': '/x',
          'http.response.status_code': 200,
        }),
      },
    ]);
    await agent.close();
  });
});
