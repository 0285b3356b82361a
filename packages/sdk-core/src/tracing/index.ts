// Trace context across processes, on `@opentelemetry/api` when it is installed (an optional peer, loaded once,
// lazily). Without it, or without an SDK registered, every function here is a cheap pass-through: no span, no
// header, no allocation beyond the call.

/** W3C trace context as carried between processes: `traceparent` (and `tracestate` when set). */
export type TraceCarrier = Record<string, string>;

/** OpenTelemetry `SpanKind` values used here. */
export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;

interface Span {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  updateName?(name: string): unknown;
  isRecording(): boolean;
  end(endTime?: number): void;
}
/** The part of `@opentelemetry/api` this module uses (loaded at run time; the package is an optional peer). */
export interface OtelApi {
  trace: {
    getTracer(name: string): {
      startSpan(
        name: string,
        options?: { kind?: number; attributes?: Record<string, string | number | boolean>; startTime?: number },
        context?: unknown,
      ): Span;
    };
    setSpan(context: unknown, span: Span): unknown;
    getSpan(context: unknown): Span | undefined;
  };
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  propagation: {
    inject(context: unknown, carrier: TraceCarrier): void;
    extract(context: unknown, carrier: TraceCarrier): unknown;
  };
}

let api: OtelApi | null | undefined;
let loading: Promise<OtelApi | null> | undefined;

/** Loads `@opentelemetry/api` once; null when it is not installed. Call at start-up so spans exist from the first request. */
export function loadTracing(): Promise<OtelApi | null> {
  loading ??= (async () => {
    try {
      const specifier = '@opentelemetry/api';
      api = (await import(specifier)) as OtelApi;
    } catch {
      api = null;
    }
    return api;
  })();
  return loading;
}

/**
 * The active trace context as a carrier (`traceparent`, `tracestate`), to store beside work that another process
 * will do (a job row, a queue message). Undefined when there is no recording span.
 */
export function captureTraceContext(): TraceCarrier | undefined {
  if (!api) return undefined;
  const active = api.context.active();
  if (!api.trace.getSpan(active)?.isRecording()) return undefined;
  const carrier: TraceCarrier = {};
  api.propagation.inject(active, carrier);
  return carrier.traceparent ? carrier : undefined;
}

/**
 * Adds the trace context of `span` (a span of the global OpenTelemetry tracer), or of the active context, to
 * outgoing request headers, so the upstream's spans join the trace. Headers unchanged when nothing records.
 */
export function injectTraceHeaders(headers: Record<string, string>, span?: unknown): Record<string, string> {
  if (!api) return headers;
  const base = api.context.active();
  const context = span ? api.trace.setSpan(base, span as Span) : base;
  if (!api.trace.getSpan(context)?.isRecording()) return headers;
  const carrier: TraceCarrier = {};
  api.propagation.inject(context, carrier);
  return carrier.traceparent ? { ...headers, ...carrier } : headers;
}

/** The context a new span starts in: the carrier's trace when one is given, else the active context. */
function parentContext(otel: OtelApi, options: InSpanOptions): unknown {
  const active = otel.context.active();
  if (!options.parent) return active;
  const carrier: TraceCarrier = {};
  for (const [k, v] of Object.entries(options.parent)) if (typeof v === 'string') carrier[k.toLowerCase()] = v;
  return otel.propagation.extract(active, carrier);
}

/**
 * Records a span for work that already happened (its times known only afterwards, e.g. claiming a job whose stored
 * trace context is read by the claim itself). Times are epoch milliseconds. Without OpenTelemetry it does nothing.
 */
export function recordSpan(name: string, options: InSpanOptions & { startTime: number; endTime: number }): void {
  if (!api) return;
  const { startTime, endTime, kind, attributes, tracer } = options;
  api.trace
    .getTracer(tracer ?? '@relaykit/sdk-core')
    .startSpan(
      name,
      { kind: kind ?? SpanKind.INTERNAL, startTime, ...(attributes ? { attributes } : {}) },
      parentContext(api, options),
    )
    .end(endTime);
}

/** What {@link inSpan} takes. */
export interface InSpanOptions {
  kind?: number;
  attributes?: Record<string, string | number | boolean>;
  /** Continue this trace (a stored carrier or incoming request headers) instead of the active context. */
  parent?: TraceCarrier | Record<string, string | string[] | undefined>;
  /** Tracer name; default `@relaykit/sdk-core`. */
  tracer?: string;
}

/** The span {@link inSpan} gives its function: set attributes, rename once the route is known. */
export interface ActiveSpan {
  setAttribute(key: string, value: string | number | boolean): void;
  updateName(name: string): void;
  /** Marks the span failed with a stable code (the error's, not its message: messages may hold personal data). */
  fail(code: string): void;
}

const NO_SPAN: ActiveSpan = { setAttribute: () => undefined, updateName: () => undefined, fail: () => undefined };

/**
 * Runs `fn` inside a new span (child of `parent` when given, else of the active context), ends it when `fn`
 * settles and marks it failed when `fn` throws. Without OpenTelemetry it only calls `fn`.
 */
export async function inSpan<T>(
  name: string,
  options: InSpanOptions,
  fn: (span: ActiveSpan) => Promise<T>,
): Promise<T> {
  if (!api) return fn(NO_SPAN);
  const otel = api;
  const parent = parentContext(otel, options);
  const span = otel.trace
    .getTracer(options.tracer ?? '@relaykit/sdk-core')
    .startSpan(
      name,
      { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
      parent,
    );
  if (!span.isRecording()) {
    span.end();
    return otel.context.with(otel.trace.setSpan(parent, span), () => fn(NO_SPAN));
  }
  let failed = false;
  const active: ActiveSpan = {
    setAttribute: (k, v) => void span.setAttribute(k, v),
    updateName: (n) => void span.updateName?.(n),
    fail: (code) => {
      failed = true;
      span.setAttribute('error.type', code);
      span.setStatus({ code: 2, message: code });
    },
  };
  try {
    return await otel.context.with(otel.trace.setSpan(parent, span), () => fn(active));
  } catch (error) {
    if (!failed) active.fail((error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error');
    throw error;
  } finally {
    span.end();
  }
}
