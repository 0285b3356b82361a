/** Where a job stands. `failed`: a fatal error; `dead`: retries or stall limit exhausted; `cancelled`: by an operator, never run again. */
export type JobStatus = 'queued' | 'active' | 'retrying' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

/** `operation`: an API call; `webhook`: an event received on a webhook route. */
export type JobKind = 'operation' | 'webhook';

/** An error as recorded on a job (never a stack, never secrets). */
export interface JobError {
  code: string;
  message: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

/** One attempt of a job. */
export interface JobAttempt {
  attempt: number;
  worker: string | null;
  /** `running`, `succeeded`, `failed`, `stalled` (its worker died) or `interrupted` (handed back at shutdown). */
  outcome: 'running' | 'succeeded' | 'failed' | 'stalled' | 'interrupted';
  error: JobError | null;
  startedAt: string;
  finishedAt: string | null;
}

/** A job as the store returns it, payloads decoded. */
export interface JobRecord {
  id: string;
  kind: JobKind;
  environment: string;
  instance: string;
  /** Operation name, or `webhook:<name>` for webhook events. */
  operation: string;
  status: JobStatus;
  input: unknown;
  result: unknown;
  error: JobError | null;
  attempts: number;
  /** Attempts made before the last manual retry: the retry budget counts from here (0 for a job never retried). */
  attemptBase: number;
  maxAttempts: number;
  stalls: number;
  apiKeyId: string | null;
  idempotencyKey: string | null;
  runAfter: string | null;
  /** W3C trace context of the request that submitted it (`traceparent`), when it was traced. */
  traceContext?: Record<string, string> | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What creating a job takes. */
export interface NewJob {
  id: string;
  kind: JobKind;
  environment: string;
  instance: string;
  operation: string;
  input: unknown;
  maxAttempts: number;
  apiKeyId?: string | null;
  idempotencyKey?: string | null;
  dedupeKey?: string | null;
  /** Blind-index entries of the identifiers the input names (computed by the store's indexer when absent). */
  subjects?: Array<{ kind: string; hmac: string }>;
  /** Not to run before this instant (a delayed job). */
  runAfter?: Date | null;
  /** W3C trace context to continue when the job runs (see sdk-core's `captureTraceContext`). */
  traceContext?: Record<string, string> | null;
}

/** A job to put (back) on a queue. */
export interface QueueRef {
  id: string;
  instance: string;
  attempts: number;
}
