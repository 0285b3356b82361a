import { z } from 'zod';

/** An ISO 8601 instant as the API writes it. */
const instant = () => z.string().meta({ format: 'date-time' });

/** Where a job stands. */
export const JOB_STATUSES = ['queued', 'active', 'retrying', 'succeeded', 'failed', 'dead', 'cancelled'] as const;

/** An error as recorded on a job (never a stack, never secrets). */
export const JobErrorSchema = z
  .looseObject({
    code: z.string(),
    message: z.string(),
    retryable: z.boolean().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'JobError' });

/** One attempt of a job. */
export const JobAttemptSchema = z
  .looseObject({
    attempt: z.number().int(),
    worker: z.string().nullable(),
    outcome: z.enum(['running', 'succeeded', 'failed', 'stalled', 'interrupted']),
    error: JobErrorSchema.nullable(),
    startedAt: instant(),
    finishedAt: instant().nullable(),
  })
  .meta({ id: 'JobAttempt' });

const links = z.object({ self: z.string() });

/** A job as `GET /v1/jobs/{id}` (and a submit with `?wait=`) shows it (see `jobView`). */
export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['operation', 'webhook']),
    instance: z.string(),
    operation: z.string(),
    environment: z.string(),
    status: z.enum(JOB_STATUSES),
    attempts: z.array(JobAttemptSchema),
    attemptCount: z.number().int(),
    maxAttempts: z.number().int(),
    result: z.unknown().describe("The operation's output once succeeded"),
    error: JobErrorSchema.nullable(),
    createdAt: instant(),
    updatedAt: instant(),
    finishedAt: instant().nullable(),
    nextAttemptAt: instant().nullable(),
    links,
  })
  .meta({ id: 'Job' });

/** The answer to a submit that was recorded and queued. */
export const JobAcceptedSchema = z
  .object({
    id: z.string(),
    status: z.literal('queued'),
    runAt: instant().optional().describe('When a delayed job (`?delay=`, `?runAt=`) runs'),
    links,
  })
  .meta({ id: 'JobAccepted' });

/** The body of `POST /v1/jobs/batch`'s 202. */
export const BatchAcceptedSchema = z.object({ jobs: z.array(JobAcceptedSchema) });

/** The answer to a webhook delivery. */
export const WebhookReceivedSchema = z
  .object({ received: z.number().int(), duplicates: z.number().int(), jobs: z.array(z.string()) })
  .meta({ id: 'WebhookReceived' });
