// One trace, end to end. The application's own request (a span of its own, here "checkout") calls the gateway; the
// gateway continues that trace in its server span, records it with the job, and the worker continues it in the
// attempt span, inside which the connector's upstream call sends `traceparent` to Salesforce (the demo's fake).
//   npm start -w @relaykit/example-tracing
// The console exporter prints every span as it ends; the summary at the end shows they share one trace id.
import { pathToFileURL } from 'node:url';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startDemo } from '@relaykit/gateway';
import { silentLogger } from '@relaykit/sdk-core';
import { registerTracing } from './tracing.js';

/** One span of the trace, as the summary shows it. */
export interface TracedSpan {
  name: string;
  kind: string;
  parent: string | undefined;
}

/** What one run saw. */
export interface TraceSummary {
  traceId: string;
  jobId: string;
  spans: TracedSpan[];
}

/** Runs the demo in this process with tracing registered, submits one traced job and returns its trace. */
export async function main(
  options: { exporter?: SpanExporter; log?: (line: string) => void } = {},
): Promise<TraceSummary> {
  const log = options.log ?? console.log;
  // Registered before the gateway starts, as an application would at the top of its entry file.
  const tracing = registerTracing(options.exporter);
  const demo = await startDemo({ port: 0, out: () => undefined, logger: silentLogger, env: {} });
  try {
    const tracer = trace.getTracer('example-shop');
    const { traceId, jobId } = await tracer.startActiveSpan('checkout', async (span) => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${demo.apiKey}`,
        'content-type': 'application/json',
      };
      // Writes this span's `traceparent` (the gateway continues the trace instead of starting one).
      propagation.inject(context.active(), headers);
      const res = await fetch(`${demo.url}/v1/sf-demo/upsert?wait=10s`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          sobject: 'Contact',
          externalIdField: 'Ext__c',
          externalId: 'TRACE-1',
          fields: { LastName: 'Traced' },
        }),
      });
      const job = (await res.json()) as { id: string; status: string };
      log(`job ${job.id}: ${job.status}`);
      span.end();
      return { traceId: span.spanContext().traceId, jobId: job.id };
    });
    // The attempt's span ends just after the job's answer was written: wait for it rather than for a fixed time.
    const deadline = Date.now() + 10_000;
    const ofTrace = () => tracing.finishedSpans().filter((s) => s.spanContext().traceId === traceId);
    while (!ofTrace().some((s) => s.kind === SpanKind.CONSUMER) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const names = new Map(ofTrace().map((s) => [s.spanContext().spanId, s.name]));
    const spans = ofTrace()
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])
      .map((s) => ({
        name: s.name,
        kind: SpanKind[s.kind],
        parent: s.parentSpanContext ? names.get(s.parentSpanContext.spanId) : undefined,
      }));
    log(`trace ${traceId}: ${spans.length} spans`);
    for (const s of spans) log(`  ${s.kind.padEnd(8)} ${s.name}${s.parent ? `  (in ${s.parent})` : ''}`);
    return { traceId, jobId, spans };
  } finally {
    await demo.close();
    await tracing.shutdown();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
