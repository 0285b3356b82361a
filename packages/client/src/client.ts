import createClient, { type Client } from 'openapi-fetch';
import { RelaykitApiError, isRelaykitApiError } from './api-error.js';
import { delay } from './delay.js';
import type { components, paths } from './generated/openapi.js';
import {
  isFinal,
  type AnyOperations,
  type BatchJob,
  type InputOf,
  type Job,
  type JobAccepted,
  type OperationMap,
  type OutputOf,
} from './types.js';
import { RelaykitWaitTimeoutError } from './wait-timeout-error.js';

type Schemas = components['schemas'];
type AnyHeaders = { [name: string]: unknown };

/**
 * The gateway's generic submit route, `POST /v1/{instance}/{operation}`, typed with the generated schemas. The generated
 * `paths` types the route's body as the generic document says (an object); this view takes the input the caller's
 * {@link OperationMap} says, so the route is described once here for `submit`.
 */
interface SubmitPaths {
  '/v1/{instance}/{operation}': {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    post: {
      parameters: {
        query?: { wait?: string };
        header?: { 'Idempotency-Key'?: string };
        path: { instance: string; operation: string };
        cookie?: never;
      };
      requestBody: { content: { 'application/json': unknown } };
      responses: {
        200: { headers: AnyHeaders; content: { 'application/json': Schemas['Job'] } };
        202: { headers: AnyHeaders; content: { 'application/json': Schemas['JobAccepted'] } };
        default: { headers: AnyHeaders; content: { 'application/problem+json': Schemas['Problem'] } };
      };
    };
  };
}

/** Options of {@link createRelaykitClient}. */
export interface RelaykitClientOptions {
  /** The gateway's URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** An API key (`relaykit keys create`), sent as `Authorization: Bearer …`. Without it only public routes answer. */
  apiKey?: string;
  /** A fetch of your own (default: the global one), e.g. with a proxy agent or for tests. */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** Options of {@link RelaykitClient.submit}. */
export interface SubmitOptions {
  /**
   * Makes the submit safe to retry: the gateway answers a repeat with the same key, path and body with the first
   * answer (the same job). Use {@link createIdempotencyKey} and keep the key for the retries. At most 255 characters.
   */
  idempotencyKey?: string;
  /**
   * Wait in the gateway up to this long (ms, or a duration such as `'5s'`) for the job to finish: a job that ends in
   * time comes back whole (status 200), else accepted (202). The gateway caps it (`server.maxWait`, 30 s by default).
   */
  wait?: number | string;
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** Options of {@link RelaykitClient.waitForJob}. */
export interface WaitOptions {
  /** Give up after this long (default 60 000 ms) with a {@link RelaykitWaitTimeoutError}. */
  timeoutMs?: number;
  /** Time between polls (default 500 ms); a 429 or 503 waits its `Retry-After` instead. */
  pollMs?: number;
  /** Aborts the wait (and the poll in flight). */
  signal?: AbortSignal;
}

/** A typed client of the relaykit gateway. Every non-2xx answer throws a {@link RelaykitApiError}. */
export interface RelaykitClient<Ops extends OperationMap = AnyOperations> {
  /**
   * Submits `operation` of `instance` as a job (`POST /v1/{instance}/{operation}`). Resolves to the finished job when
   * `wait` was given and it ended in time, else to the accepted job (`status: 'queued'`).
   */
  submit<I extends keyof Ops & string, O extends keyof Ops[I] & string>(
    instance: I,
    operation: O,
    input: InputOf<Ops, I, O>,
    options?: SubmitOptions,
  ): Promise<Job<OutputOf<Ops, I, O>> | JobAccepted>;
  /**
   * Submits `operation` and resolves to the final job (succeeded, failed or dead): waits in the gateway first (`wait`,
   * default 5 s), then polls. A failed job resolves too: look at `status` and `error`.
   */
  run<I extends keyof Ops & string, O extends keyof Ops[I] & string>(
    instance: I,
    operation: O,
    input: InputOf<Ops, I, O>,
    options?: SubmitOptions & WaitOptions,
  ): Promise<Job<OutputOf<Ops, I, O>>>;
  /** Submits many jobs in one call (`POST /v1/jobs/batch`): all are accepted, or none (the error lists each failing job). */
  submitBatch(jobs: Array<BatchJob<Ops>>, options?: Omit<SubmitOptions, 'wait'>): Promise<JobAccepted[]>;
  /** The job's status, attempts and result (`GET /v1/jobs/{id}`). */
  getJob<R = unknown>(id: string, options?: { signal?: AbortSignal }): Promise<Job<R>>;
  /**
   * Polls the job until it is final (succeeded, failed or dead) and resolves to it; a failed job resolves too (it is an
   * outcome, not an API error). Rejects with a {@link RelaykitWaitTimeoutError} after `timeoutMs`.
   */
  waitForJob<R = unknown>(id: string, options?: WaitOptions): Promise<Job<R>>;
  /** The underlying openapi-fetch client over the generated `paths`, for any other route (e.g. `/healthz`). */
  raw: Client<paths>;
}

const waitParam = (wait: number | string | undefined) =>
  wait === undefined ? undefined : typeof wait === 'number' ? `${Math.max(0, Math.round(wait))}ms` : wait;

/** The answer's body, or a {@link RelaykitApiError} for a non-2xx one. */
function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok || result.data === undefined)
    throw RelaykitApiError.fromResponse(result.response, result.error);
  return result.data;
}

/**
 * Creates a client of the gateway at `baseUrl`. Pass your instances' operations as `Ops` to type `submit`'s inputs and
 * results; without it they are `unknown`.
 *
 * @example
 * ```ts
 * const relaykit = createRelaykitClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.RELAYKIT_KEY });
 * const job = await relaykit.run('sf-demo', 'upsert', input, { idempotencyKey: createIdempotencyKey() });
 * ```
 */
export function createRelaykitClient<Ops extends OperationMap = AnyOperations>(
  options: RelaykitClientOptions,
): RelaykitClient<Ops> {
  const raw = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: {
      ...options.headers,
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  // The same client (headers, fetch, middleware) seen through the submit route's types.
  const submitter = raw as unknown as Client<SubmitPaths>;
  const idempotency = (key: string | undefined) => (key === undefined ? {} : { 'Idempotency-Key': key });

  const client: RelaykitClient<Ops> = {
    raw,
    async submit(instance, operation, input, opts = {}) {
      opts.signal?.throwIfAborted();
      const wait = waitParam(opts.wait);
      const result = await submitter.POST('/v1/{instance}/{operation}', {
        params: {
          path: { instance, operation },
          header: idempotency(opts.idempotencyKey),
          ...(wait === undefined ? {} : { query: { wait } }),
        },
        body: input,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return unwrap(result) as Job<never> | JobAccepted;
    },
    async run(instance, operation, input, opts = {}) {
      const submitted = await client.submit(instance, operation, input, { ...opts, wait: opts.wait ?? 5000 });
      if (isFinal(submitted)) return submitted as Job<never>;
      return client.waitForJob(submitted.id, opts);
    },
    async submitBatch(jobs, opts = {}) {
      opts.signal?.throwIfAborted();
      const result = await raw.POST('/v1/jobs/batch', {
        params: { header: idempotency(opts.idempotencyKey) },
        body: { jobs },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return unwrap(result).jobs;
    },
    async getJob<R>(id: string, opts: { signal?: AbortSignal } = {}) {
      opts.signal?.throwIfAborted();
      const result = await raw.GET('/v1/jobs/{id}', {
        params: { path: { id } },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return unwrap(result) as Job<R>;
    },
    async waitForJob<R>(id: string, opts: WaitOptions = {}) {
      const timeoutMs = opts.timeoutMs ?? 60_000;
      const pollMs = opts.pollMs ?? 500;
      const deadline = Date.now() + timeoutMs;
      let last: Job<R> | undefined;
      for (;;) {
        let pause = pollMs;
        try {
          last = await client.getJob<R>(id, opts.signal ? { signal: opts.signal } : {});
          if (isFinal(last)) return last;
        } catch (error) {
          // Busy or briefly unavailable: wait as told and poll again, unless that outlasts the deadline (then the
          // caller sees the 429/503 with its retryAfterMs); anything else is the caller's to see at once.
          const busy = isRelaykitApiError(error) && (error.status === 429 || error.status === 503);
          if (!busy || Date.now() + (error.retryAfterMs ?? pollMs) >= deadline) throw error;
          pause = error.retryAfterMs ?? pollMs;
        }
        const left = deadline - Date.now();
        if (left <= 0 && last) throw new RelaykitWaitTimeoutError(last, timeoutMs);
        await delay(Math.max(0, Math.min(pause, left)), opts.signal);
      }
    },
  };
  return client;
}
