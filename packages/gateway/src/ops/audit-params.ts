import { z } from 'zod';

/** Opaque cursor of an audit page: the id of the last row shown (`a1:` versions the format). */
export const encodeAuditCursor = (id: string) => Buffer.from(`a1:${id}`).toString('base64url');

const MAX_BIGINT = 2n ** 63n - 1n;

/** The row id a cursor stands for; undefined when it is no cursor of ours. */
export function decodeAuditCursor(cursor: string): bigint | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const match = /^a1:([0-9]{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match) return undefined;
  const id = BigInt(match[1]!);
  return id > 0n && id <= MAX_BIGINT ? id : undefined;
}

/** An ISO 8601 time with its offset, as a Date within PostgreSQL's comfortable range (years 1970 to 9999). */
const instant = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .refine((date) => !Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999, {
    message: 'out of range (years 1970 to 9999)',
  });

/** The filters shared by `GET /v1/admin/audit` and its export (query strings; a repeated parameter is refused). */
export const auditFilterShape = {
  actor: z
    .string()
    .regex(/^(key|user):[A-Za-z0-9_.@-]{1,200}$/, 'use key:<id> or user:<id>')
    .optional()
    .describe('Who acted: `key:<api key id>` or `user:<console user id>`'),
  keyId: z.string().min(1).max(100).optional().describe('The API key the call came with'),
  operation: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Operation (`admin:keys.create`, `put`); a trailing `*` matches a prefix (`admin:keys.*`)'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional().describe('HTTP method of the call'),
  outcome: z
    .enum(['success', 'denied', 'failed'])
    .optional()
    .describe('`success` (status below 400), `denied` (401, 403), `failed` (any other error)'),
  instance: z.string().min(1).max(100).optional(),
  from: instant.optional().describe('Calls at or after this time (ISO 8601 with offset)'),
  to: instant.optional().describe('Calls before this time (ISO 8601 with offset)'),
};

/** Query of `GET /v1/admin/audit`. */
export const auditListQuery = z.strictObject({
  ...auditFilterShape,
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Entries per page (1 to 500, default 50)'),
  cursor: z
    .string()
    .max(100)
    .optional()
    .transform((cursor, ctx) => {
      if (cursor === undefined) return undefined;
      const id = decodeAuditCursor(cursor);
      if (id === undefined) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor from this API (pass nextCursor back unchanged)' });
        return z.NEVER;
      }
      return id;
    })
    .describe('`nextCursor` of the previous page'),
});

/** Query of `GET /v1/admin/audit/export`. */
export const auditExportQuery = z.strictObject({
  ...auditFilterShape,
  format: z.enum(['csv', 'ndjson']).default('csv'),
});

/** One audit entry as the operator API shows it (payload redacted). */
export const auditEntrySchema = z.object({
  id: z.string().describe('Row id (decimal; newer rows have higher ids)'),
  at: z.string(),
  requestId: z.string(),
  actor: z.string().nullable(),
  apiKeyId: z.string().nullable(),
  environment: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  instance: z.string().nullable(),
  operation: z.string().nullable(),
  jobId: z.string().nullable(),
  status: z.number().int(),
  outcome: z.enum(['success', 'denied', 'failed']),
  durationMs: z.number(),
  payload: z
    .unknown()
    .describe('The redacted request summary (secrets, phone numbers, e-mail addresses, message text masked)'),
});

/** An audit entry as the operator API shows it. */
export type AuditEntryView = z.infer<typeof auditEntrySchema>;
