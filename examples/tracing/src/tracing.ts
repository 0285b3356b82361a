// What an application registers before relaykit starts (in its own entry file, or with `node --import`): a tracer
// provider, the async context manager that carries the active span across awaits, and the W3C propagator that reads
// and writes `traceparent`. relaykit only uses `@opentelemetry/api`; without this registration its spans cost nothing.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

/** The registered provider: the spans it finished so far, and how to unregister it. */
export interface Tracing {
  finishedSpans(): ReadableSpan[];
  shutdown(): Promise<void>;
}

/**
 * Registers OpenTelemetry globally with a console exporter (or `exporter`), keeping the finished spans in memory too
 * so the example can print a summary of its trace.
 */
export function registerTracing(exporter: SpanExporter = new ConsoleSpanExporter()): Tracing {
  const kept = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(kept)],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    finishedSpans: () => kept.getFinishedSpans(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
