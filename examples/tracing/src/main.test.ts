import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { main } from './main.js';

it('the application span, the gateway request, the enqueue, the attempt and the upstream call are one trace', async () => {
  const lines: string[] = [];
  const { traceId, spans } = await main({ exporter: new InMemorySpanExporter(), log: (l) => lines.push(l) });
  const named = (kind: string, pattern: RegExp) => spans.find((s) => s.kind === kind && pattern.test(s.name));
  const server = named('SERVER', /^POST \/v1\/:instance\/:operation$/);
  const enqueue = named('PRODUCER', /^enqueue /);
  const attempt = named('CONSUMER', /^job sf-demo\/upsert$/);
  const upstream = spans.find((s) => s.kind === 'CLIENT' && s.parent === attempt?.name);
  expect(server?.parent).toBe('checkout');
  expect(enqueue?.parent).toBe(server?.name);
  expect(attempt?.parent).toBe(server?.name);
  expect(upstream, 'an upstream call inside the attempt').toBeDefined();
  expect(lines).toContain(`trace ${traceId}: ${spans.length} spans`);
}, 60_000);
