import { Readable } from 'node:stream';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { problem } from '../errors/index.js';
import { defineRoute, reply, type Route } from '../http/route.js';
import type { HttpDeps } from '../http/types.js';
import { accessExport } from './access.js';
import type { SubjectRef } from './subjects.js';

const identifiers = z.array(z.string().min(1).max(320)).max(100).optional();

/** A data subject, named by any of their identifiers (the body of every subject request). */
export const SubjectRequestSchema = z
  .strictObject({
    phones: identifiers.describe('Phone numbers (any notation; compared in E.164)'),
    emails: identifiers.describe('E-mail addresses (compared lower-cased)'),
    externalIds: identifiers.describe(
      "Ids in the upstream systems (e.g. a CRM contact id, an accounting system's person id)",
    ),
    reason: z.string().max(500).optional().describe('Why (kept with a restriction)'),
  })
  .refine((s) => (s.phones?.length ?? 0) + (s.emails?.length ?? 0) + (s.externalIds?.length ?? 0) > 0, {
    message: 'name the subject by at least one of phones, emails, externalIds',
  })
  .meta({ id: 'PrivacySubject' });

const count = z.number().int().min(0);

/** The counts of an access export, per data class. */
const AccessSummarySchema = z.object({
  jobs: count,
  webhookEvents: count,
  attempts: count,
  auditEntries: count,
  idempotencyResponses: count,
  syncDeadLetters: count.describe('Sync dead letters whose raw record names the subject'),
  connectorRecords: z
    .record(z.string(), count)
    .describe('Records connectors keep themselves, by `<connector>.<class>` (e.g. `messaging.statuses`)'),
});

/** The access export (streamed JSON): every stored piece, decrypted, with where it came from. */
export const AccessExportSchema = z
  .object({
    generatedAt: z.string().meta({ format: 'date-time' }),
    items: z.array(
      z.looseObject({
        source: z
          .looseObject({
            table: z.string().optional(),
            id: z.string().optional(),
            columns: z.array(z.string()).optional(),
          })
          .describe(
            'The table, row and columns this piece came from; for what a connector keeps, also its `store` (table, redis, memory), `name` and `connector`',
          ),
        class: z
          .string()
          .describe(
            '`job`, `webhookEvent`, `attempt`, `idempotencyResponse`, `auditEntry`, `syncDeadLetter`, or `<connector>.<class>` for what a connector keeps (e.g. `messaging.statuses`, `accounting.persons`)',
          ),
      }),
    ),
    summary: AccessSummarySchema,
  })
  .meta({ id: 'PrivacyAccessExport' });

/** An erasure receipt: counts per data class, no personal data. */
export const ErasureReceiptSchema = z
  .object({
    id: z.string(),
    state: z
      .enum(['running', 'waiting', 'done'])
      .describe("`waiting`: the subject's jobs still in flight are erased by a later pass once they finish"),
    counts: z.object({
      jobs: count,
      webhookEvents: count,
      attempts: count,
      idempotencyResponses: count,
      subjectIndex: count,
      auditEntries: count,
      syncDeadLetters: count.describe('Sync dead letters naming the subject, deleted'),
      connectors: z
        .record(z.string(), z.record(z.string(), count))
        .describe(
          'Per instance, what its connector erased of the data it keeps itself, by class (e.g. `{ wa: { statuses: 2 } }`)',
        ),
    }),
    waiting: count.describe('Jobs of the subject still running at the last pass'),
    createdAt: z.string().meta({ format: 'date-time' }),
    finishedAt: z.string().meta({ format: 'date-time' }).nullable(),
  })
  .meta({ id: 'PrivacyErasureReceipt' });

type Subject = z.output<typeof SubjectRequestSchema>;

const EXAMPLE = { phones: ['+9779841234567'], emails: ['guardian@example.org'] };
const TAGS = ['privacy'];
const ERRORS = { 503: 'The privacy area is not set up (PRIVACY_UNAVAILABLE), or the gateway is shutting down' };

/** Route middleware: 503 `PRIVACY_UNAVAILABLE` before anything is read when the privacy area is not set up. */
function privacyAvailable(deps: HttpDeps): Middleware {
  return async function privacyAvailable(_ctx, next) {
    if (!deps.privacy) throw problem('PRIVACY_UNAVAILABLE', 'The privacy area is not set up in this gateway.');
    deps.privacy.requireIndex();
    await next();
  };
}

/** The subject's refs; the audit says which kinds named the subject, never the identifiers themselves. */
function refsOf(deps: HttpDeps, subject: Subject, audit: (payload: Record<string, unknown>) => void): SubjectRef[] {
  audit({
    identifiers: {
      phones: subject.phones?.length ?? 0,
      emails: subject.emails?.length ?? 0,
      externalIds: subject.externalIds?.length ?? 0,
    },
  });
  return deps.privacy!.refsOf(subject);
}

const subjectRoute = {
  permission: 'admin:privacy',
  tags: TAGS,
  body: SubjectRequestSchema,
  example: EXAMPLE,
  bodyIssues: 'bare',
  invalidBody: 'Invalid subject',
  maxJsonDepth: 8,
  use: [privacyAvailable],
  errorDescriptions: ERRORS,
} as const;

/**
 * Subject rights, for callers with `admin:privacy` (each within its own environment), all audited without the
 * identifiers: `POST /v1/privacy/access` (streamed JSON export), `POST /v1/privacy/erasure` (+ `GET .../{id}`: the
 * receipt), `POST`/`DELETE /v1/privacy/restrictions`. Mounted before `/v1/{instance}/{operation}`.
 */
export const PRIVACY_ROUTES: Route[] = [
  defineRoute<undefined, undefined, Subject, z.output<typeof AccessExportSchema>>({
    ...subjectRoute,
    method: 'post',
    path: '/v1/privacy/access',
    operationId: 'privacy.access',
    summary: 'Export everything stored about a data subject',
    description:
      'A JSON document streamed as it is read: `items` lists every stored piece (job inputs and results, attempts, stored Idempotency-Key responses, audit entries, sync dead letters, and what connectors keep themselves such as delivery statuses and synced rows), decrypted, each with the table, row and columns it came from; `summary` counts them per class. The read is audited, without the identifiers.',
    audit: 'privacy:access',
    response: AccessExportSchema,
    responseDescription: 'The export (streamed)',
    async handler({ ctx, deps, body, key, audit }) {
      const refs = refsOf(deps, body, audit);
      const apiKey = key();
      ctx.state.audit = {
        ...ctx.state.audit,
        reads: [
          'job.input',
          'job.result',
          'job.error',
          'job.attempts',
          'audit.payload',
          'idempotency.response',
          'syncDeadLetter.raw',
          'connector.data',
        ],
      };
      const requestId = ctx.state.requestId as string;
      const chunks = accessExport({
        sql: deps.privacy!.deps.sql,
        store: deps.store,
        audit: deps.audit,
        codec: deps.privacy!.deps.codec,
        refs,
        environment: apiKey.environment,
        held: deps.privacy!.held.access(deps.privacy!.held.subjectOf(body), refs, apiKey.environment),
        // What was handed out is known once the stream ends: a second entry of the same request says it.
        onSummary: (summary) =>
          void deps.audit
            .record({
              requestId,
              apiKeyId: apiKey.id,
              environment: apiKey.environment,
              method: 'POST',
              path: '/v1/privacy/access',
              instance: null,
              operation: 'privacy:access.export',
              jobId: null,
              status: 200,
              durationMs: 0,
              payload: summary,
            })
            .catch(() => undefined),
      });
      ctx.type = 'application/json';
      return Readable.from(chunks);
    },
  }),
  defineRoute<undefined, undefined, Subject, z.output<typeof ErasureReceiptSchema>>({
    ...subjectRoute,
    method: 'post',
    path: '/v1/privacy/erasure',
    operationId: 'privacy.erasure',
    summary: 'Erase every stored trace of a data subject',
    description:
      'Erases or irreversibly pseudonymises the subject across every data class, in batches, resumable after a crash; jobs still in flight finish and are erased by a later pass. The answer is the receipt (counts per class, no personal data), also kept in the audit.',
    audit: 'privacy:erasure',
    response: ErasureReceiptSchema,
    responseDescription: 'Erased: the receipt',
    responseHeaders: { Location: { description: 'The receipt', schema: { type: 'string' } } },
    responses: {
      202: {
        description: "Still running or waiting for the subject's jobs in flight: the receipt so far",
        schema: ErasureReceiptSchema,
        headers: { Location: { description: 'The receipt', schema: { type: 'string' } } },
      },
    },
    async handler({ deps, body, key, audit }) {
      const refs = refsOf(deps, body, audit);
      const apiKey = key();
      const privacy = deps.privacy!;
      const id = await privacy.erasure.create(refs, apiKey.environment, apiKey.id);
      // What connectors keep and the sync dead letters: erased now, while the identifiers are at hand.
      await privacy.eraseHeld(id, body, apiKey.environment);
      const receipt = await privacy.runErasure(id);
      audit({ ...receipt });
      return reply(receipt!, receipt?.state === 'done' ? 200 : 202, { Location: `/v1/privacy/erasure/${id}` });
    },
  }),
  defineRoute<{ id: string }, undefined, undefined, z.output<typeof ErasureReceiptSchema>>({
    method: 'get',
    path: '/v1/privacy/erasure/{id}',
    operationId: 'privacy.erasure.get',
    summary: 'The receipt of an erasure request',
    permission: 'admin:privacy',
    tags: TAGS,
    audit: 'privacy:erasure.get',
    params: z.object({ id: z.string().describe('The erasure request id (`era_...`)') }),
    response: ErasureReceiptSchema,
    errors: [404],
    errorDescriptions: { 404: 'No such erasure request' },
    async handler({ deps, params }) {
      const receipt = /^era_[0-9a-f]{32}$/.test(params.id) ? await deps.privacy?.erasure.get(params.id) : undefined;
      if (!receipt) throw problem('NOT_FOUND', `No erasure request ${params.id}.`);
      return receipt;
    },
  }),
  defineRoute<undefined, undefined, Subject, { restricted: number; new: number }>({
    ...subjectRoute,
    method: 'post',
    path: '/v1/privacy/restrictions',
    operationId: 'privacy.restrict',
    summary: 'Restrict processing for a data subject',
    description:
      'New jobs naming the subject are refused (problem `SUBJECT_RESTRICTED`) until the restriction is lifted.',
    audit: 'privacy:restriction',
    status: 201,
    responseDescription: 'Restricted',
    response: z.object({
      restricted: count.describe('Identifiers the request named'),
      new: count.describe('Of those, not restricted before'),
    }),
    async handler({ deps, body, key, audit }) {
      const refs = refsOf(deps, body, audit);
      const changed = await deps.privacy!.restrictions.add(refs, body.reason ?? null, key().id);
      return { restricted: refs.length, new: changed };
    },
  }),
  defineRoute<undefined, undefined, Subject, { lifted: number }>({
    ...subjectRoute,
    method: 'delete',
    path: '/v1/privacy/restrictions',
    operationId: 'privacy.lift',
    summary: 'Lift the restriction of a data subject',
    audit: 'privacy:restriction.lift',
    responseDescription: 'Lifted',
    response: z.object({ lifted: count.describe('Identifiers whose restriction was lifted') }),
    async handler({ deps, body, audit }) {
      const refs = refsOf(deps, body, audit);
      return { lifted: await deps.privacy!.restrictions.remove(refs) };
    },
  }),
];
