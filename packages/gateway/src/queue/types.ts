/** What a queue carries: a job id and the attempt count it was enqueued at. Payloads stay in the job store. */
export interface QueueMessage {
  jobId: string;
  /** Attempts already made when enqueued; makes the queue id deterministic so a re-enqueue of the same step is a no-op. */
  attempt: number;
  /** Makes the queue id distinct from the message being processed (a job handed back at shutdown). */
  tag?: string;
}

/** The queue-level id of a message: deterministic, so re-sending the same step is a no-op. */
export const queueIdOf = (m: QueueMessage) => `${m.jobId}.${m.attempt}${m.tag ? `.${m.tag}` : ''}`;

/** Counts of one queue. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  /** Messages the engine itself holds as failed (bee-queue; the memory queue has none: failures are job records). */
  failed?: number;
}

/**
 * A transport for job ids. Not the record of truth (that is the job store): a lost message is
 * re-sent by the reconciler. Implementations: in-memory (one process) and bee-queue (Redis).
 */
export interface JobQueue {
  /** `memory` or `bee-queue`, for the start-up banner and `/readyz`. */
  readonly engine: 'memory' | 'bee-queue';
  /** Enqueues messages in one round trip where the engine allows; a message already queued is skipped. */
  enqueue(queue: string, messages: QueueMessage[], options?: { delayMs?: number }): Promise<void>;
  /** Starts consuming `queue` with up to `concurrency` handlers at once. */
  process(queue: string, concurrency: number, handler: (message: QueueMessage) => Promise<void>): void;
  counts(queue: string): Promise<QueueCounts>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
  /** Stops taking new messages, waits up to `timeoutMs` for running handlers, then closes connections. */
  close(timeoutMs?: number): Promise<void>;
}
