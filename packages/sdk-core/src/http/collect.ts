import type { Dispatcher } from 'undici';
import type { ResponseHeaders } from './types.js';

/** Something that can abort an in-flight attempt: an AbortSignal or an EventEmitter-style source. */
export type AbortSource =
  | {
      aborted: boolean;
      reason?: unknown;
      addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
      removeEventListener(type: 'abort', listener: () => void): void;
    }
  | {
      aborted?: boolean | undefined;
      reason?: unknown;
      on(event: 'abort', listener: () => void): unknown;
      removeListener(event: 'abort', listener: () => void): unknown;
    };

/** A whole response: status, headers and the body bytes (at most `limit` bytes of it kept). */
export interface CollectedResponse {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);
/** Past this many dropped bytes of an over-long body, the connection is closed instead of drained. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;

/**
 * Sends one request through `dispatcher.dispatch` and collects the whole response in memory.
 *
 * Why not `dispatcher.request()`: that API builds a Readable stream per response and, when given a
 * signal, wires abort listeners through it, which together cost more CPU than the rest of the
 * client. A handler gets an abort function from undici for free, so the policy's timeout and the
 * caller's signal cost one listener on our own cheap source. Bodies are always read to the end
 * (or the socket is closed), so connections go back to the pool.
 *
 * `errorBodyLimit` caps how much of a non-2xx body is kept; the rest is drained.
 */
export function collect(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  abortSource: AbortSource | undefined,
  errorBodyLimit: number,
): Promise<CollectedResponse> {
  return new Promise<CollectedResponse>((resolve, reject) => {
    const handler = new CollectHandler(resolve, reject, abortSource, errorBodyLimit);
    if (abortSource?.aborted) {
      reject(abortSource.reason ?? new Error('aborted'));
      return;
    }
    handler.listen();
    try {
      dispatcher.dispatch(options, handler);
    } catch (error) {
      handler.fail(error);
    }
  });
}

class CollectHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private headers: ResponseHeaders = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;
  private limit = Infinity;
  private done = false;
  private readonly onAbort: () => void;

  constructor(
    private readonly resolve: (value: CollectedResponse) => void,
    private readonly reject: (error: unknown) => void,
    private readonly source: AbortSource | undefined,
    private readonly errorBodyLimit: number,
  ) {
    this.onAbort = () => {
      const reason = this.source?.reason ?? new Error('aborted');
      // Settle now even if undici has not started the request yet (queued for a connection);
      // the abort reaches undici as soon as it hands us a controller.
      this.controller?.abort(reason as Error);
      this.fail(reason);
    };
  }

  listen(): void {
    const source = this.source;
    if (!source) return;
    if ('on' in source) source.on('abort', this.onAbort);
    else source.addEventListener('abort', this.onAbort, { once: true });
  }

  private unlisten(): void {
    const source = this.source;
    if (!source) return;
    if ('on' in source) source.removeListener('abort', this.onAbort);
    else source.removeEventListener('abort', this.onAbort);
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.unlisten();
    this.chunks = [];
    this.reject(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done) controller.abort((this.source?.reason ?? new Error('aborted')) as Error);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // 1xx (100 Continue, 103 Early Hints) precede the real answer.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    if (statusCode >= 300) this.limit = this.errorBodyLimit;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    const room = this.limit - this.size;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.size += room;
    }
    this.dropped += chunk.length - Math.max(0, room);
    if (this.dropped > MAX_DRAIN_BYTES) {
      // Too much to drain: answer with what we kept and drop the connection.
      this.finish();
      controller.abort(new Error('response body too large to drain'));
    }
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.unlisten();
    const chunks = this.chunks;
    this.chunks = [];
    const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size);
    this.resolve({ status: this.status, headers: this.headers, body });
  }
}
