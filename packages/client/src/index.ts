/**
 * A typed client of the relaykit gateway, generated from its OpenAPI document (openapi-typescript + openapi-fetch):
 * submit operations as jobs with `Idempotency-Key` and `?wait=`, poll them to completion, and get every
 * `application/problem+json` answer as a typed {@link RelaykitApiError}.
 * @packageDocumentation
 */
export {
  createRelaykitClient,
  type RelaykitClient,
  type RelaykitClientOptions,
  type SubmitOptions,
  type WaitOptions,
} from './client.js';
export {
  RelaykitApiError,
  isRelaykitApiError,
  parseRetryAfter,
  type Problem,
  type ResponseLike,
  type ProblemCode,
} from './api-error.js';
export { RelaykitWaitTimeoutError, isRelaykitWaitTimeoutError } from './wait-timeout-error.js';
export { createIdempotencyKey } from './idempotency-key.js';
export {
  FINAL_STATUSES,
  isFinal,
  type AnyOperations,
  type BatchJob,
  type InputOf,
  type Job,
  type JobAccepted,
  type JobError,
  type JobStatus,
  type OperationMap,
  type OutputOf,
} from './types.js';
export type { paths, components, operations } from './generated/openapi.js';
