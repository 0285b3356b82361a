import type { components } from './generated/openapi.js';

/** Where a job stands: `queued`, `active`, `retrying`, then one of the final `succeeded`, `failed`, `dead`. */
export type JobStatus = components['schemas']['Job']['status'];

/** The statuses after which a job changes no more. */
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'dead'];

/** True when the job's status is final (`succeeded`, `failed` or `dead`). */
export function isFinal(job: { status: JobStatus }): boolean {
  return FINAL_STATUSES.includes(job.status);
}

/** A job record (`GET /v1/jobs/{id}`), with its operation's output typed as `R` once succeeded. */
export type Job<R = unknown> = Omit<components['schemas']['Job'], 'result'> & { result?: R };

/** The answer of a submit that was not waited for (or did not end within `wait`): 202, queued. */
export type JobAccepted = components['schemas']['JobAccepted'];

/** A failure recorded on a job or one of its attempts. */
export type JobError = components['schemas']['JobError'];

/**
 * The operations of your instances, to type `submit`: instance name → operation name → its input and output.
 * Optional: without it every instance and operation is a string and inputs and outputs are `unknown`.
 *
 * @example
 * ```ts
 * type MyOps = { 'sf-prod': { upsert: { input: { sobject: string; externalIdField: string; externalId: string;
 *   fields: Record<string, unknown> }; output: { id?: string; created: boolean } } } };
 * const client = createRelaykitClient<MyOps>({ baseUrl, apiKey });
 * ```
 */
export type OperationMap = Record<string, Record<string, { input: unknown; output: unknown }>>;

/** The default {@link OperationMap}: any instance, any operation, `unknown` input and output. */
export type AnyOperations = Record<string, Record<string, { input: unknown; output: unknown }>>;

/** The input type of `operation` on `instance`. */
export type InputOf<Ops extends OperationMap, I extends keyof Ops, O extends keyof Ops[I]> = Ops[I][O] extends {
  input: infer In;
}
  ? In
  : unknown;

/** The output type of `operation` on `instance`. */
export type OutputOf<Ops extends OperationMap, I extends keyof Ops, O extends keyof Ops[I]> = Ops[I][O] extends {
  output: infer Out;
}
  ? Out
  : unknown;

/** One job of a batch. */
export interface BatchJob<Ops extends OperationMap = AnyOperations> {
  instance: keyof Ops & string;
  operation: string;
  input: unknown;
}
