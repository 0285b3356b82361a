import { z } from 'zod';

/** Most jobs one batch may carry. */
export const MAX_BATCH = 1000;

/** One job of a batch; `input` is checked afterwards against the operation's own schema. */
export const BatchJobSchema = z.object({
  instance: z.string().min(1).max(200),
  operation: z.string().min(1).max(200),
  input: z.unknown(),
});

/**
 * The body of `POST /v1/jobs/batch`, checked before any of its fields is used (an object where a
 * name belongs must be a 400, not a `TypeError` from `String(...)`). The OpenAPI document can be
 * generated from it (`z.toJSONSchema`).
 */
export const BatchRequestSchema = z.object({
  jobs: z.array(BatchJobSchema).min(1).max(MAX_BATCH),
});

/** A batch body that passed {@link BatchRequestSchema}. */
export type BatchRequest = z.infer<typeof BatchRequestSchema>;
