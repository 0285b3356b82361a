import { z } from 'zod';
import { problem } from '../errors/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ErrorGroupStore } from './error-groups.js';
import type { Principal } from './principal.js';
import { defineRoute, type Route } from '../http/route.js';

const tags = ['operator: errors'];
const STATUSES = ['open', 'acknowledged', 'resolved'] as const;

const ErrorGroupView = z.object({
  fingerprint: z.string(),
  environment: z.string(),
  instance: z.string(),
  operation: z.string(),
  code: z.string(),
  message: z.string().describe('The normalised message the group is keyed on (numbers, ids, quoted values replaced)'),
  sampleMessage: z.string().describe('The latest failure’s message'),
  count: z.number().int(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  sampleJobIds: z.array(z.string()).describe('Up to 10 job ids, most recent last'),
  status: z.enum(STATUSES),
  statusBy: z.string().nullable(),
  statusNote: z.string().nullable(),
  statusAt: z.string().nullable(),
  reopened: z.number().int().describe('Times the group recurred after it was resolved'),
});

const FingerprintParams = z.object({ fingerprint: z.string().min(1).max(100) });
const FINGERPRINT = /^[0-9a-f]{32}$/;

const text = (max: number) => z.string().min(1).max(max);

/** Who changed a group, as recorded on it. */
export const actorOf = (principal: Principal) => `${principal.name} (${principal.kind} ${principal.id})`;

/** The operator routes for error groups: list, detail, resolution workflow. */
export const ERROR_ROUTES: Route[] = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/errors',
    operationId: 'admin.errors.list',
    summary: 'Failures grouped by fingerprint (instance, operation, code, normalised message), most recent first',
    permission: 'admin:read',
    tags,
    query: z.object({
      status: z
        .union([z.string().max(100), z.array(z.string().max(100)).max(10)])
        .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean))
        .pipe(z.array(z.enum(STATUSES)).min(1))
        .optional()
        .describe('open, acknowledged, resolved (repeat or separate with commas)'),
      instance: text(200).optional(),
      operation: text(200).optional(),
      code: text(100).optional(),
      q: text(200).optional().describe('Free text in the latest message (literal, case-insensitive)'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().min(1).max(500).optional(),
    }),
    response: z.object({ groups: z.array(ErrorGroupView), nextCursor: z.string().nullable() }),
    async handler({ deps, principal, query }) {
      const { limit, cursor, ...filter } = query;
      const page = await new ErrorGroupStore(deps.sql).list(principal.environment, filter, {
        limit,
        after: cursor ? decodeCursor(cursor) : undefined,
      });
      return { groups: page.groups, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/errors/{fingerprint}',
    operationId: 'admin.errors.get',
    summary: 'One error group',
    permission: 'admin:read',
    tags,
    params: FingerprintParams,
    response: ErrorGroupView,
    errors: [404],
    async handler({ deps, principal, params }) {
      const group = FINGERPRINT.test(params.fingerprint)
        ? await new ErrorGroupStore(deps.sql).get(principal.environment, params.fingerprint)
        : undefined;
      if (!group) throw problem('NOT_FOUND', `No error group ${params.fingerprint}.`);
      return group;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/errors/{fingerprint}/status',
    operationId: 'admin.errors.setStatus',
    summary: 'Acknowledge, resolve or reopen an error group, with a note (a resolved group reopens when it recurs)',
    permission: 'admin:operate',
    tags,
    params: FingerprintParams,
    body: z.strictObject({ status: z.enum(STATUSES), note: z.string().max(2000).optional() }),
    example: { status: 'resolved', note: 'fixed by the field mapping in release 1.4' },
    response: ErrorGroupView,
    errors: [404],
    async handler({ deps, principal, params, body, audit }) {
      audit({ fingerprint: params.fingerprint, status: body.status, note: body.note ?? null });
      const group = FINGERPRINT.test(params.fingerprint)
        ? await new ErrorGroupStore(deps.sql).setStatus(principal.environment, params.fingerprint, {
            status: body.status,
            by: actorOf(principal),
            note: body.note ?? null,
          })
        : undefined;
      if (!group) throw problem('NOT_FOUND', `No error group ${params.fingerprint}.`);
      return group;
    },
  }),
];
