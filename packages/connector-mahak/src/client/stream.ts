import {
  HttpError,
  UpstreamNetworkError,
  UpstreamTimeoutError,
  isRelaykitError,
  parseRetryAfter,
} from '@relaykit/sdk-core';

/** An open streaming answer: read its body chunk by chunk; `close` drops the connection. */
export interface OpenStream {
  read(): Promise<Uint8Array | undefined>;
  close(): void;
}

/**
 * POSTs `body` and returns the answer's body as a stream once its headers arrived. Timeouts are per wait, not for the
 * whole answer: `headersMs` for the headers, then `idleMs` for each chunk of the body (a one-million-record answer
 * may take minutes and is fine as long as it keeps coming). The caller's `signal` aborts at any point; `attemptSignal`
 * (a policy's timeout) only until the headers arrived. Failures are sdk-core's errors, so the Mahak classifier treats
 * them like any other request's.
 */
export async function openStream(
  url: string,
  init: {
    body: string;
    headers: Record<string, string>;
    headersMs: number;
    idleMs: number;
    signal: AbortSignal | undefined;
    attemptSignal: AbortSignal | undefined;
  },
): Promise<OpenStream> {
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onCaller = () => abort(init.signal!.reason);
  const onAttempt = () => abort(init.attemptSignal!.reason);
  if (init.signal?.aborted) throw init.signal.reason;
  init.signal?.addEventListener('abort', onCaller, { once: true });
  init.attemptSignal?.addEventListener('abort', onAttempt, { once: true });
  const timeout = (phase: 'headers' | 'body', ms: number) =>
    setTimeout(
      () =>
        abort(
          new UpstreamTimeoutError(`Mahak sent no ${phase} for ${ms} ms`, { phase, timeoutMs: ms, upstream: 'mahak' }),
        ),
      ms,
    );
  const fail = (error: unknown): never => {
    init.signal?.removeEventListener('abort', onCaller);
    throw toError(controller.signal.aborted ? controller.signal.reason : error);
  };
  let response: Response;
  const headersTimer = timeout('headers', init.headersMs);
  try {
    response = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal: controller.signal });
  } catch (error) {
    return fail(error);
  } finally {
    clearTimeout(headersTimer);
    init.attemptSignal?.removeEventListener('abort', onAttempt);
  }
  if (!response.ok || !response.body) {
    let text = '';
    try {
      text = await response.text();
    } catch {
      /* the status says enough */
    }
    init.signal?.removeEventListener('abort', onCaller);
    const headers = Object.fromEntries(response.headers);
    throw new HttpError({
      status: response.status,
      headers,
      body: text.slice(0, 4096),
      method: 'POST',
      url,
      upstream: 'mahak',
      retryAfterMs: parseRetryAfter(headers['retry-after']),
    });
  }
  const reader = response.body.getReader();
  let closed = false;
  return {
    async read() {
      const timer = timeout('body', init.idleMs);
      try {
        const { done, value } = await reader.read();
        if (done) {
          closed = true;
          init.signal?.removeEventListener('abort', onCaller);
        }
        return done ? undefined : value;
      } catch (error) {
        closed = true;
        return fail(error);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      init.signal?.removeEventListener('abort', onCaller);
      abort(new Error('stream closed by the reader'));
      reader.cancel().catch(() => {});
    },
  };
}

/** A fetch failure as sdk-core's error (network errors carry the system code the classifier looks at). */
function toError(error: unknown): unknown {
  if (isRelaykitError(error)) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (error as { code?: unknown })?.code;
  if (error instanceof TypeError || typeof code === 'string')
    return new UpstreamNetworkError(
      `Mahak connection failed: ${typeof cause?.message === 'string' ? cause.message : (error as Error).message}`,
      { errno: typeof code === 'string' ? code : undefined, upstream: 'mahak' },
      { cause: error },
    );
  return error;
}
