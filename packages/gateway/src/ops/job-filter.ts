import { z } from 'zod';
import type { JobStatus } from '../store/types.js';

/** Every job status, for filters and documents. */
export const JOB_STATUSES = [
  'queued',
  'active',
  'retrying',
  'succeeded',
  'failed',
  'dead',
  'cancelled',
] as const satisfies readonly JobStatus[];

const text = (max: number) => z.string().min(1).max(max);
const instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant with an offset or Z');

/** The fields every job filter shares (list query and bulk retry body). */
const common = {
  instance: text(200).optional().describe('Instance name'),
  operation: text(200).optional().describe('Operation name (`webhook:<name>` for webhook events)'),
  environment: text(200).optional().describe("The caller's own environment only (any other is refused); the default"),
  from: instant.optional().describe('Created at or after this instant'),
  to: instant.optional().describe('Created before this instant'),
  idempotencyKey: text(255).optional().describe('The Idempotency-Key the job was submitted with'),
  errorCode: text(100).optional().describe('The stable code of the job’s last error'),
  q: text(200).optional().describe('Free text searched (case-insensitively, literally) in the last error’s message'),
};

/** A job filter in a JSON body: `status` is an array. */
export const JobFilterBody = z.strictObject({
  status: z.array(z.enum(JOB_STATUSES)).min(1).max(JOB_STATUSES.length).optional(),
  ...common,
});

/** A job filter, as the store takes it. */
export type JobFilter = z.output<typeof JobFilterBody>;

/** `status=failed&status=dead` or `status=failed,dead`. */
const statusQuery = z
  .union([z.string().max(200), z.array(z.string().max(200)).max(20)])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean))
  .pipe(z.array(z.enum(JOB_STATUSES)).min(1))
  .describe('One or more statuses (repeat the parameter or separate with commas)');

/** The query of `GET /v1/admin/jobs`. */
export const JobListQuery = z.object({
  status: statusQuery.optional(),
  ...common,
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size, 1-200 (default 50)'),
  cursor: z.string().min(1).max(500).optional().describe('`nextCursor` of the previous page'),
});
