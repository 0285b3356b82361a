import { z } from 'zod';
import { JOB_STATUSES } from './job-filter.js';

/** A job's recorded error. */
export const JobErrorView = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const instant = z.string().describe('ISO 8601 instant');

/** One row of `GET /v1/admin/jobs`. */
export const JobSummaryView = z.object({
  id: z.string(),
  kind: z.enum(['operation', 'webhook']),
  environment: z.string(),
  instance: z.string(),
  operation: z.string(),
  status: z.enum(JOB_STATUSES),
  attemptCount: z.number().int(),
  maxAttempts: z.number().int(),
  error: JobErrorView.nullable(),
  idempotencyKey: z.string().nullable(),
  createdAt: instant,
  updatedAt: instant,
  finishedAt: instant.nullable(),
});

/** A page of jobs; `nextCursor` is null on the last page. */
export const JobPage = z.object({ jobs: z.array(JobSummaryView), nextCursor: z.string().nullable() });

/** One attempt of a job, as the operator API shows it. */
export const AttemptView = z.object({
  attempt: z.number().int(),
  worker: z.string().nullable(),
  outcome: z.enum(['running', 'succeeded', 'failed', 'stalled', 'interrupted']),
  startedAt: instant,
  finishedAt: instant.nullable(),
  durationMs: z.number().nullable().describe('null while running'),
  error: JobErrorView.nullable(),
  upstreamStatus: z.number().int().nullable().describe('HTTP status of the upstream’s answer, when recorded'),
});

/** `GET /v1/admin/jobs/{id}`: the job, its attempts, input and result (masked unless revealed). */
export const JobDetailView = JobSummaryView.extend({
  attempts: z.array(AttemptView),
  input: z.unknown(),
  result: z.unknown(),
  masked: z.boolean().describe('false only for `?reveal=true` (needs admin:reveal; audited)'),
  nextAttemptAt: instant.nullable(),
  retriedFromAttempt: z.number().int().describe('Attempts made before the last manual retry (0: never retried)'),
});

/** The answer of cancel and retry. */
export const JobActionView = z.object({ id: z.string(), status: z.enum(JOB_STATUSES) });

/** The answer of a bulk retry. */
export const BulkRetryView = z.object({
  matched: z.number().int().describe('Failed or dead jobs matching the filter'),
  retried: z.number().int().describe('Jobs put back in the queue (0 for a dry run)'),
  dryRun: z.boolean(),
});

/** Path parameter `{id}` of a job. */
export const JobIdParams = z.object({ id: z.string().min(1).max(100).describe('Job id') });
