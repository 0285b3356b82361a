import type { Job } from './types.js';

/**
 * {@link RelaykitClient.waitForJob} gave up: the job was not final within `timeoutMs`. The job goes on in the gateway;
 * `job` is the last state seen (poll again with `getJob`).
 */
export class RelaykitWaitTimeoutError extends Error {
  /** Brand checked by {@link isRelaykitWaitTimeoutError}. */
  public readonly isRelaykitWaitTimeoutError = true;
  /** Stable code. */
  public readonly code = 'WAIT_TIMEOUT';
  /** The last state of the job seen before giving up. */
  public readonly job: Job;

  constructor(job: Job, timeoutMs: number) {
    super(`job ${job.id} is still ${job.status} after ${timeoutMs} ms`);
    this.name = 'RelaykitWaitTimeoutError';
    this.job = job;
  }
}

/** True for a {@link RelaykitWaitTimeoutError} from any copy of this package. */
export function isRelaykitWaitTimeoutError(error: unknown): error is RelaykitWaitTimeoutError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isRelaykitWaitTimeoutError?: unknown }).isRelaykitWaitTimeoutError === true
  );
}
