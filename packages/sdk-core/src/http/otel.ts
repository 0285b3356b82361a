// Optional OpenTelemetry support. `@opentelemetry/api` is an optional peer: it is loaded lazily
// and, when absent, spans are simply not created. Only the few members used here are typed, so
// the published types do not depend on the package.

/** The subset of an OpenTelemetry `Span` relaykit uses. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException?(exception: unknown): unknown;
  isRecording(): boolean;
  end(): void;
}

/** The subset of an OpenTelemetry `Tracer` relaykit uses (pass `trace.getTracer(...)`). */
export interface TracerLike {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, string | number | boolean> },
  ): SpanLike;
}

/** OpenTelemetry `SpanKind.CLIENT`. */
export const SPAN_KIND_CLIENT = 2;
/** OpenTelemetry `SpanStatusCode.ERROR`. */
export const SPAN_STATUS_ERROR = 2;

let globalTracer: TracerLike | null | undefined;
let loading: Promise<void> | undefined;

/**
 * Starts loading `@opentelemetry/api` once per process; resolves to the global tracer provider's
 * tracer, or null when the package is not installed.
 */
export function loadDefaultTracer(): Promise<TracerLike | null> {
  loading ??= (async () => {
    try {
      const specifier = '@opentelemetry/api';
      const api = (await import(specifier)) as { trace?: { getTracer(name: string, version?: string): TracerLike } };
      globalTracer = api.trace ? api.trace.getTracer('@relaykit/sdk-core') : null;
    } catch {
      globalTracer = null;
    }
  })();
  return loading.then(() => globalTracer ?? null);
}

/** The tracer if it has loaded already (undefined while loading, null when absent). */
export function defaultTracerNow(): TracerLike | null | undefined {
  return globalTracer;
}
