import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { problem } from '../errors/index.js';
import { authenticate } from '../http/auth.js';
import { parseJson, readRawBody } from '../http/body.js';
import type { HttpDeps } from '../http/types.js';
import { grantsPermission, type ApiKey } from '../keys/keys.js';
import { accessExport } from './access.js';
import type { SubjectIdentifiers, SubjectRef } from './subjects.js';

const identifiers = z.array(z.string().min(1).max(320)).max(100).optional();
const subjectBody = z
  .strictObject({
    phones: identifiers,
    emails: identifiers,
    externalIds: identifiers,
    reason: z.string().max(500).optional(),
  })
  .refine((s) => (s.phones?.length ?? 0) + (s.emails?.length ?? 0) + (s.externalIds?.length ?? 0) > 0, {
    message: 'name the subject by at least one of phones, emails, externalIds',
  });

/** The privacy key of the request: authenticated and holding `admin:privacy`. */
async function privacyKey(ctx: Context, deps: HttpDeps): Promise<ApiKey> {
  const key = await authenticate(ctx, deps);
  if (!grantsPermission(key.scopes, 'admin:privacy'))
    throw problem(
      'FORBIDDEN_SCOPE',
      `This API key's scopes (${key.scopes.join(', ') || 'none'}) do not include admin:privacy, which subject requests need.`,
    );
  return key;
}

async function readSubject(
  ctx: Context,
  deps: HttpDeps,
): Promise<{ refs: SubjectRef[]; subject: SubjectIdentifiers; reason?: string | undefined }> {
  const privacy = deps.privacy;
  if (!privacy) throw problem('PRIVACY_UNAVAILABLE', 'The privacy area is not set up in this gateway.');
  privacy.requireIndex();
  const parsed = subjectBody.safeParse(parseJson(ctx, await readRawBody(ctx, deps.config.server.bodyLimit), 8));
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw problem(
      'VALIDATION',
      `Invalid subject: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
      {
        extensions: { errors },
      },
    );
  }
  // The audit says which kinds named the subject, never the identifiers themselves.
  const kinds = {
    phones: parsed.data.phones?.length ?? 0,
    emails: parsed.data.emails?.length ?? 0,
    externalIds: parsed.data.externalIds?.length ?? 0,
  };
  ctx.state.audit = { ...ctx.state.audit, payload: { identifiers: kinds } };
  return { refs: privacy.refsOf(parsed.data), subject: parsed.data, reason: parsed.data.reason };
}

/**
 * Subject rights, for keys with `admin:privacy` (each within its own environment), all audited without the
 * identifiers: `POST /v1/privacy/access` (streamed JSON export), `POST /v1/privacy/erasure` (+ `GET .../{id}`: the
 * receipt), `POST`/`DELETE /v1/privacy/restrictions`. Registered before `/v1/{instance}/{operation}`.
 */
export function registerPrivacyRoutes(router: Router, deps: HttpDeps): void {
  router.post('/v1/privacy/access', async (ctx) => {
    const key = await privacyKey(ctx, deps);
    const { refs, subject } = await readSubject(ctx, deps);
    ctx.state.audit = {
      ...ctx.state.audit,
      operation: 'privacy:access',
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
    const body = accessExport({
      sql: deps.privacy!.deps.sql,
      store: deps.store,
      audit: deps.audit,
      codec: deps.privacy!.deps.codec,
      refs,
      environment: key.environment,
      held: deps.privacy!.held.access(deps.privacy!.held.subjectOf(subject), refs, key.environment),
      // What was handed out is known once the stream ends: a second entry of the same request says it.
      onSummary: (summary) =>
        void deps.audit
          .record({
            requestId,
            apiKeyId: key.id,
            environment: key.environment,
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
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.body = Readable.from(body);
  });

  router.post('/v1/privacy/erasure', async (ctx) => {
    const key = await privacyKey(ctx, deps);
    const { refs, subject } = await readSubject(ctx, deps);
    const privacy = deps.privacy!;
    const id = await privacy.erasure.create(refs, key.environment, key.id);
    ctx.state.audit = { ...ctx.state.audit, operation: 'privacy:erasure' };
    await privacy.eraseHeld(id, subject, key.environment);
    const receipt = await privacy.runErasure(id);
    ctx.state.audit = { ...ctx.state.audit, payload: receipt };
    ctx.status = receipt?.state === 'done' ? 200 : 202;
    ctx.set('Location', `/v1/privacy/erasure/${id}`);
    ctx.body = receipt;
  });

  router.get('/v1/privacy/erasure/:id', async (ctx) => {
    await privacyKey(ctx, deps);
    const receipt = /^era_[0-9a-f]{32}$/.test(ctx.params.id!)
      ? await deps.privacy?.erasure.get(ctx.params.id!)
      : undefined;
    if (!receipt) throw problem('NOT_FOUND', `No erasure request ${ctx.params.id}.`);
    ctx.state.audit = { operation: 'privacy:erasure.get' };
    ctx.body = receipt;
  });

  const restriction = (lift: boolean) => async (ctx: Context) => {
    const key = await privacyKey(ctx, deps);
    const { refs, reason } = await readSubject(ctx, deps);
    const restrictions = deps.privacy!.restrictions;
    ctx.state.audit = { ...ctx.state.audit, operation: lift ? 'privacy:restriction.lift' : 'privacy:restriction' };
    const changed = lift ? await restrictions.remove(refs) : await restrictions.add(refs, reason ?? null, key.id);
    ctx.status = lift ? 200 : 201;
    ctx.body = lift ? { lifted: changed } : { restricted: refs.length, new: changed };
  };
  router.post('/v1/privacy/restrictions', restriction(false));
  router.delete('/v1/privacy/restrictions', restriction(true));
}
