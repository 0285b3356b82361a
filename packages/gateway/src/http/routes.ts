import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { captureTraceContext, maskPersonalData, type WebhookRequest } from '@relaykit/sdk-core';
import { problem } from '../errors/index.js';
import { parseDuration } from '../util/duration.js';
import type { LoadedInstance } from '../runtime/instances.js';
import type { NewJob } from '../store/types.js';
import { registerOpsRoutes } from '../ops/index.js';
import { registerPrivacyRoutes } from '../privacy/routes.js';
import { authenticate, authorize, hasCredentials } from './auth.js';
import { registerConsoleAuthRoutes } from './console-auth.js';
import { BatchRequestSchema, MAX_BATCH } from './batch-schema.js';
import { assertJsonDepth, isJsonMediaType, parseJson, readRawBody } from './body.js';
import { scopeAllows } from '../keys/keys.js';
import { readIdempotencyKey, withIdempotency, type StoredResponse } from './idempotency.js';
import { operationInputProblems } from './input-check.js';
import { enqueueRecorded, isJobId, jobView, newJobId, waitForJob } from './jobs.js';
import { registerConsoleRoutes } from './console-static.js';
import { operationOf, webhookOf } from '../util/lookup.js';
import { readRunAt } from '../schedules/delay.js';
import type { HttpDeps } from './types.js';

/** Compares secrets in constant time (by their hashes, so lengths do not leak either). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function findInstance(deps: HttpDeps, name: string): LoadedInstance {
  const instance = deps.instances.get(name);
  if (!instance) throw problem('NOT_FOUND', `No instance named "${name}".`);
  return instance;
}

function validationProblem(
  message: string,
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  prefix: Array<string | number> = [],
) {
  const errors = issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))].join('.'),
    message: i.message,
  }));
  return problem('VALIDATION', `${message}: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`, {
    extensions: { errors },
  });
}

function parseWait(ctx: Context, deps: HttpDeps): number {
  const raw = ctx.query.wait;
  if (raw === undefined) return 0;
  const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
  if (ms === undefined)
    throw problem('VALIDATION', `wait="${String(raw)}" is not a duration (e.g. 500ms, 5s).`, {
      extensions: { errors: [{ path: 'query.wait', message: 'not a duration' }] },
    });
  return Math.min(ms, deps.config.server.maxWait);
}

/** Webhook request as connectors see it: lower-cased headers, raw bytes. */
function webhookRequest(ctx: Context, raw: Buffer): WebhookRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(ctx.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(ctx.query)) query[k] = Array.isArray(v) ? v[0] : v;
  return { method: ctx.method, headers, query, rawBody: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) };
}

/** What a job view hands out of the stored data. */
const JOB_READS = ['job.result', 'job.error', 'job.attempts'];

/** Builds the gateway's router. */
export function createRouter(deps: HttpDeps): Router {
  const router = new Router();

  // A browser pointed at the gateway lands on the console; /docs is the API reference.
  registerConsoleRoutes(router, { title: 'relaykit gateway' });
  // Before /v1/{instance}/{operation}, which would otherwise take POST /v1/admin/keys.
  registerConsoleAuthRoutes(router, deps);
  registerOpsRoutes(router, deps);
  registerPrivacyRoutes(router, deps);

  router.get('/healthz', (ctx) => {
    ctx.body = { status: deps.isStopping() ? 'stopping' : 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    // Probes come without a key and see only which parts are up; details (upstream answers can name the business,
    // e.g. a WhatsApp number and its verified name) are for a caller whose key reaches the instance.
    const key = hasCredentials(ctx) ? await authenticate(ctx, deps) : undefined;
    const ready = await deps.readiness(
      key ? (i) => i.environment === key.environment && scopeAllows(key.scopes, i.name) : undefined,
    );
    ctx.status = ready.ok && !deps.isStopping() ? 200 : 503;
    ctx.body = {
      status: ctx.status === 200 ? 'ready' : 'not_ready',
      components: ready.components,
      ...(ready.checks ? { checks: ready.checks } : {}),
    };
  });

  router.get('/metrics', async (ctx) => {
    // Metrics name every instance of every environment: only for the holder of the metrics token.
    const token = deps.config.metrics.token;
    if (!token)
      throw problem('NOT_FOUND', 'Metrics are off: set metrics.token (or RELAYKIT_METRICS_TOKEN) to serve them.');
    const sent = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'))?.[1]?.trim();
    if (!sent || !sameSecret(sent, token))
      throw problem('UNAUTHENTICATED', 'Send the metrics token as "Authorization: Bearer <token>".', {
        headers: { 'WWW-Authenticate': `Bearer realm="relaykit-metrics"${sent ? ', error="invalid_token"' : ''}` },
      });
    for (const instance of deps.instances.values()) {
      const counts = await deps.queue.counts(`jobs.${instance.name}`).catch(() => undefined);
      if (!counts) continue;
      for (const [state, value] of Object.entries(counts))
        deps.metrics.queueDepth.set({ instance: instance.name, state }, value);
    }
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });

  // Without a key: the generic document (unless docs.public); a key sees the operations it reaches.
  router.get('/openapi.json', async (ctx) => {
    const doc = deps.openapi(hasCredentials(ctx) ? await authenticate(ctx, deps) : undefined);
    // The server is the one that was asked: clients generated from the document call it back where they found it.
    ctx.body = { ...doc, servers: [{ url: `${ctx.protocol}://${ctx.host}`, description: 'This gateway' }] };
  });

  router.get('/v1/jobs/:id', async (ctx) => {
    const key = await authenticate(ctx, deps);
    // An id that cannot be one is a 404 like a missing job, before any SQL sees it.
    if (!isJobId(ctx.params.id!)) throw problem('NOT_FOUND', 'No such job.');
    const job = await deps.store.get(ctx.params.id!);
    const instance = job && deps.instances.get(job.instance);
    // Another environment's or scope's job answers 404 like a missing one: ids are not confirmed to outsiders.
    if (!job || !instance || job.environment !== key.environment)
      throw problem('NOT_FOUND', `No job ${ctx.params.id}.`);
    try {
      authorize(key, instance, job.operation);
    } catch {
      throw problem('NOT_FOUND', `No job ${ctx.params.id}.`);
    }
    // A read of stored personal data is audited as one: what was handed out, to whom, for which stated purpose.
    ctx.state.audit = { instance: job.instance, operation: job.operation, jobId: job.id, reads: JOB_READS };
    ctx.body = jobView(job, await deps.store.attempts(job.id));
  });

  router.post('/v1/jobs/batch', async (ctx) => {
    const key = await authenticate(ctx, deps);
    const raw = await readRawBody(ctx, deps.config.server.bodyLimit);
    if (deps.config.idempotency.require !== 'never' && !readIdempotencyKey(ctx))
      throw problem('IDEMPOTENCY_KEY_REQUIRED', 'A batch must be sent with an Idempotency-Key header.');
    await withIdempotency(ctx, deps, key, raw, async (): Promise<StoredResponse> => {
      // Validated inside, as for single submits: a reused key with another body is a 422, whatever that body holds.
      const envelope = BatchRequestSchema.safeParse(parseJson(ctx, raw, deps.config.server.maxJsonDepth));
      if (!envelope.success)
        throw validationProblem(
          `The body must be {"jobs": [{"instance", "operation", "input"}, ...]} with 1 to ${MAX_BATCH} jobs`,
          envelope.error.issues,
        );
      const jobs: NewJob[] = [];
      const errors: Array<{ path: string; message: string }> = [];
      for (const [index, { instance: instanceName, operation: operationName, input }] of envelope.data.jobs.entries()) {
        const instance = deps.instances.get(instanceName);
        if (!instance) {
          errors.push({ path: `jobs.${index}.instance`, message: `no instance named "${instanceName}"` });
          continue;
        }
        const operation = operationOf(instance.connector, operationName);
        if (!operation) {
          errors.push({
            path: `jobs.${index}.operation`,
            message: `instance "${instance.name}" has no operation "${operationName}"`,
          });
          continue;
        }
        authorize(key, instance, operationName);
        const parsed = operation.input.safeParse(input);
        const issues = parsed.success
          ? operationInputProblems(instance, operation, parsed.data)
          : parsed.error.issues.map((i: { path: PropertyKey[]; message: string }) => ({
              path: i.path.map(String),
              message: i.message,
            }));
        if (issues.length) {
          for (const issue of issues)
            errors.push({ path: ['jobs', index, 'input', ...issue.path].join('.'), message: issue.message });
          continue;
        }
        jobs.push({
          id: newJobId(),
          kind: 'operation',
          environment: instance.environment,
          instance: instance.name,
          operation: operationName,
          input,
          maxAttempts: instance.config.retry.attempts,
          apiKeyId: key.id,
          traceContext: captureTraceContext() ?? null,
        });
      }
      if (errors.length)
        throw problem('VALIDATION', `${errors.length} problem(s) in the batch; nothing was accepted.`, {
          extensions: { errors },
        });
      if (deps.privacy) {
        const privacy = deps.privacy;
        await privacy.assertNotRestricted(jobs.flatMap((job) => (job.subjects = privacy.subjectsOf(job))));
      }
      ctx.state.audit = { payload: { count: jobs.length } };
      await deps.store.create(jobs);
      await enqueueRecorded(deps, jobs);
      return {
        status: 202,
        headers: {},
        body: { jobs: jobs.map((j) => ({ id: j.id, status: 'queued', links: { self: `/v1/jobs/${j.id}` } })) },
      };
    });
  });

  const webhook = async (ctx: Context) => {
    const instance = findInstance(deps, ctx.params.instance!);
    const hooks = Object.entries(instance.connector.webhooks ?? {});
    const name = ctx.params.webhook ?? hooks[0]?.[0];
    const definition = name ? webhookOf(instance.connector, name) : undefined;
    if (!name || !definition)
      throw problem(
        'NOT_FOUND',
        `Instance "${instance.name}" has no webhook${ctx.params.webhook ? ` "${ctx.params.webhook}"` : ''}.`,
      );
    const runtime = instance.runtime;
    if (!runtime) throw problem('UNAVAILABLE', 'The instance is not set up yet.');
    // Senders post JSON (Meta always does): a signed text/plain or form body is refused before anything reads it.
    const type = ctx.get('content-type');
    if (ctx.method === 'POST' && !isJsonMediaType(type)) {
      deps.metrics.webhooks.inc({ instance: instance.name, outcome: 'rejected' });
      throw problem(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${type || '(none)'} is not supported for webhooks; send application/json.`,
      );
    }
    const raw = await readRawBody(ctx, definition.maxBodyBytes ?? deps.config.server.bodyLimit);
    assertJsonDepth(raw, deps.config.server.maxJsonDepth);
    const request = webhookRequest(ctx, raw);
    const setupCtx = {
      ...runtime.services,
      instance: instance.name,
      config: instance.connectorConfig,
      state: runtime.state,
    };
    ctx.state.audit = { instance: instance.name, operation: `webhook:${name}` };
    if (ctx.method === 'GET') {
      const answer = definition.handshake?.(setupCtx, request);
      if (!answer) throw problem('NOT_FOUND', 'This webhook has no handshake for this request.');
      // A refusal (wrong verify token, ...) is ours to word as problem+json; a success (the challenge echo) is the sender's protocol.
      if (answer.status >= 400) {
        deps.metrics.webhooks.inc({ instance: instance.name, outcome: 'rejected' });
        throw problem(
          'WEBHOOK_VERIFICATION_FAILED',
          `Instance "${instance.name}" refused the ${name} webhook handshake (${answer.status}): check the verify token configured at the sender.`,
          { status: answer.status },
        );
      }
      ctx.status = answer.status;
      for (const [k, v] of Object.entries(answer.headers ?? {})) ctx.set(k, v);
      ctx.body = answer.body ?? '';
      return;
    }
    if (!(await definition.verify(setupCtx, request))) {
      deps.metrics.webhooks.inc({ instance: instance.name, outcome: 'rejected' });
      throw problem('WEBHOOK_SIGNATURE', 'The webhook signature did not verify against the body.');
    }
    let events: unknown[];
    try {
      events = definition.parse(setupCtx, request);
    } catch (cause) {
      throw problem('VALIDATION', `The webhook body could not be parsed: ${(cause as Error).message}`, { cause });
    }
    // Without the connector's own event id, the body's hash (and the event's place in it) identifies a redelivery.
    const bodyHash = definition.dedupeKey ? '' : createHash('sha256').update(raw).digest('hex');
    const traceContext = captureTraceContext() ?? null;
    const jobs: NewJob[] = events.map((event, index) => ({
      id: newJobId(),
      kind: 'webhook',
      environment: instance.environment,
      instance: instance.name,
      operation: `webhook:${name}`,
      input: event,
      maxAttempts: instance.config.retry.attempts,
      dedupeKey: `${name}:${definition.dedupeKey ? definition.dedupeKey(event) : `${bodyHash}:${index}`}`,
      traceContext,
    }));
    // Recorded (group commit: this request's rows share one INSERT with concurrent ones, and it resolves only once
    // they are committed), then enqueued, then the 200: a webhook we acknowledged is never lost.
    const created = await deps.store.create(jobs);
    const fresh = jobs.filter((_, i) => !created[i]!.duplicate);
    await enqueueRecorded(deps, fresh);
    deps.metrics.webhooks.inc({ instance: instance.name, outcome: 'recorded' }, fresh.length);
    deps.metrics.webhooks.inc({ instance: instance.name, outcome: 'duplicate' }, jobs.length - fresh.length);
    ctx.status = 200;
    ctx.body = { received: jobs.length, duplicates: jobs.length - fresh.length, jobs: created.map((c) => c.id) };
  };
  router.get('/v1/webhooks/:instance', webhook);
  router.post('/v1/webhooks/:instance', webhook);
  router.get('/v1/webhooks/:instance/:webhook', webhook);
  router.post('/v1/webhooks/:instance/:webhook', webhook);

  router.post('/v1/:instance/:operation', async (ctx) => {
    // The key first: without one, a 404 here would tell outsiders which instances and operations exist.
    const key = await authenticate(ctx, deps);
    const instance = findInstance(deps, ctx.params.instance!);
    const operationName = ctx.params.operation!;
    const operation = operationOf(instance.connector, operationName);
    if (!operation) throw problem('NOT_FOUND', `Instance "${instance.name}" has no operation "${operationName}".`);
    authorize(key, instance, operationName);
    const wait = parseWait(ctx, deps);
    const runAfter = readRunAt(ctx.query);
    const raw = await readRawBody(ctx, deps.config.server.bodyLimit);
    ctx.state.audit = { instance: instance.name, operation: operationName };
    const idempotencyKey = readIdempotencyKey(ctx) ?? null;
    const required = deps.config.idempotency.require;
    if (!idempotencyKey && (required === 'always' || (required === 'non-idempotent' && !operation.idempotent))) {
      throw problem(
        'IDEMPOTENCY_KEY_REQUIRED',
        `${instance.name}/${operationName} must be sent with an Idempotency-Key header.`,
      );
    }
    await withIdempotency(ctx, deps, key, raw, async (): Promise<StoredResponse> => {
      // Parsed and validated inside: a key reused with another body is a 422 mismatch even when that body is
      // invalid; a first request that fails validation releases its key, so the client can fix it and retry.
      const body = parseJson(ctx, raw, deps.config.server.maxJsonDepth);
      // Personal data the operation's schema marks is replaced whole; the audit log then redacts what is left by field
      // names and patterns (phones and e-mails masked too) and seals it when it writes, off this request's path.
      ctx.state.audit = { ...ctx.state.audit, payload: maskPersonalData(operation.input, body) };
      const parsed = operation.input.safeParse(body);
      if (!parsed.success)
        throw validationProblem(`Invalid input for ${instance.name}/${operationName}`, parsed.error.issues);
      const problems = operationInputProblems(instance, operation, parsed.data);
      if (problems.length) throw validationProblem(`Invalid input for ${instance.name}/${operationName}`, problems);
      const id = newJobId();
      const subjects = deps.privacy?.subjectsOf({
        instance: instance.name,
        kind: 'operation',
        operation: operationName,
        input: body,
      });
      if (subjects?.length) await deps.privacy!.assertNotRestricted(subjects);
      await deps.store.create([
        {
          id,
          kind: 'operation',
          environment: instance.environment,
          instance: instance.name,
          operation: operationName,
          input: body,
          maxAttempts: instance.config.retry.attempts,
          apiKeyId: key.id,
          idempotencyKey,
          runAfter: runAfter ?? null,
          traceContext: captureTraceContext() ?? null,
          ...(subjects ? { subjects } : {}),
        },
      ]);
      ctx.state.audit = { ...ctx.state.audit, jobId: id };
      await enqueueRecorded(deps, [{ id, instance: instance.name }], runAfter);
      const headers = { Location: `/v1/jobs/${id}` };
      if (runAfter)
        return {
          status: 202,
          headers,
          body: { id, status: 'queued', runAt: runAfter.toISOString(), links: { self: `/v1/jobs/${id}` } },
        };
      if (wait > 0) {
        const done = await waitForJob(deps, id, wait);
        if (done) {
          ctx.state.audit = { ...ctx.state.audit, reads: JOB_READS };
          return { status: 200, headers, body: jobView(done, await deps.store.attempts(id)) };
        }
      }
      return { status: 202, headers, body: { id, status: 'queued', links: { self: `/v1/jobs/${id}` } } };
    });
  });

  return router;
}
