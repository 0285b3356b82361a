import type { Middleware } from 'koa';
import { z } from 'zod';
import { captureTraceContext, maskPersonalData } from '@relaykit/sdk-core';
import { problem } from '../errors/index.js';
import type { LoadedInstance } from '../runtime/instances.js';
import { readRunAt } from '../schedules/delay.js';
import type { NewJob } from '../store/types.js';
import { parseDuration } from '../util/duration.js';
import { operationOf } from '../util/lookup.js';
import { authorize } from './auth.js';
import { BatchRequestSchema, MAX_BATCH, type BatchRequest } from './batch-schema.js';
import { parseJson } from './body.js';
import { operationInputProblems } from './input-check.js';
import { BatchAcceptedSchema, JobSchema } from './job-schemas.js';
import { enqueueRecorded, isJobId, jobView, newJobId, waitForJob } from './jobs.js';
import { defineRoute, reply, type Route } from './route.js';
import type { HttpDeps } from './types.js';

/** What a job view hands out of the stored data. */
const JOB_READS = ['job.result', 'job.error', 'job.attempts'];

/** Lists issues as `errors` of a 400 `VALIDATION`, each path joined with dots. */
function validationProblem(
  message: string,
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
) {
  const errors = issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)).join('.'),
    message: i.message,
  }));
  return problem('VALIDATION', `${message}: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`, {
    extensions: { errors },
  });
}

/** The instance called `name`; 404 otherwise. */
export function findInstance(deps: HttpDeps, name: string): LoadedInstance {
  const instance = deps.instances.get(name);
  if (!instance) throw problem('NOT_FOUND', `No instance named "${name}".`);
  return instance;
}

/** What the submit route resolved before reading the body (kept in `ctx.state.submit`). */
interface Submit {
  instance: LoadedInstance;
  name: string;
  operation: NonNullable<ReturnType<typeof operationOf>>;
  wait: number;
  runAfter: Date | undefined;
}

/**
 * Route middleware of the submit route: the instance and operation (404), the key's scope for them, `?wait=` and
 * `?delay=`/`?runAt=` — all before the body is read, so outsiders learn nothing from it.
 */
function resolveSubmit(deps: HttpDeps): Middleware {
  return async function resolveSubmit(ctx, next) {
    const instance = findInstance(deps, ctx.params.instance!);
    const name = ctx.params.operation!;
    const operation = operationOf(instance.connector, name);
    if (!operation) throw problem('NOT_FOUND', `Instance "${instance.name}" has no operation "${name}".`);
    authorize(ctx.state.apiKey!, instance, name);
    const raw = ctx.query.wait;
    let wait = 0;
    if (raw !== undefined) {
      const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
      if (ms === undefined)
        throw problem('VALIDATION', `wait="${String(raw)}" is not a duration (e.g. 500ms, 5s).`, {
          extensions: { errors: [{ path: 'query.wait', message: 'not a duration' }] },
        });
      wait = Math.min(ms, deps.config.server.maxWait);
    }
    const runAfter = readRunAt(ctx.query);
    ctx.state.audit = { instance: instance.name, operation: name };
    (ctx.state as { submit?: Submit }).submit = { instance, name, operation, wait, runAfter };
    await next();
  };
}

/**
 * `POST /v1/{instance}/{operation}`: validated with the operation's own input schema; documented per instance from
 * the connectors' schemas (`buildOpenApi`), hence not here.
 */
const submit = defineRoute<{ instance: string; operation: string }>({
  method: 'post',
  path: '/v1/{instance}/{operation}',
  operationId: 'operations.submit',
  summary: 'Submit an operation of an instance as a job',
  access: 'apiKey',
  tags: ['jobs'],
  document: false,
  use: [resolveSubmit],
  idempotency: {
    required(ctx, deps) {
      const { instance, name, operation } = (ctx.state as { submit: Submit }).submit;
      const required = deps.config.idempotency.require;
      return required === 'always' || (required === 'non-idempotent' && !operation.idempotent)
        ? `${instance.name}/${name} must be sent with an Idempotency-Key header.`
        : undefined;
    },
  },
  async handler({ ctx, deps, raw, key }) {
    const { instance, name, operation, wait, runAfter } = (ctx.state as { submit: Submit }).submit;
    const apiKey = key();
    // Parsed and validated after the Idempotency-Key is claimed: a key reused with another body is a 422 mismatch
    // even when that body is invalid; a first request that fails validation releases its key.
    const body = parseJson(ctx, raw, deps.config.server.maxJsonDepth);
    // Personal data the operation's schema marks is replaced whole; the audit log then redacts what is left by field
    // names and patterns (phones and e-mails masked too) and seals it when it writes, off this request's path.
    ctx.state.audit = { ...ctx.state.audit, payload: maskPersonalData(operation.input, body) };
    const parsed = operation.input.safeParse(body);
    if (!parsed.success) throw validationProblem(`Invalid input for ${instance.name}/${name}`, parsed.error.issues);
    const problems = operationInputProblems(instance, operation, parsed.data);
    if (problems.length) throw validationProblem(`Invalid input for ${instance.name}/${name}`, problems);
    const id = newJobId();
    const subjects = deps.privacy?.subjectsOf({
      instance: instance.name,
      kind: 'operation',
      operation: name,
      input: body,
    });
    if (subjects?.length) await deps.privacy!.assertNotRestricted(subjects);
    await deps.store.create([
      {
        id,
        kind: 'operation',
        environment: instance.environment,
        instance: instance.name,
        operation: name,
        input: body,
        maxAttempts: instance.config.retry.attempts,
        apiKeyId: apiKey.id,
        idempotencyKey: ctx.state.idempotencyKey ?? null,
        runAfter: runAfter ?? null,
        traceContext: captureTraceContext() ?? null,
        ...(subjects ? { subjects } : {}),
      },
    ]);
    ctx.state.audit = { ...ctx.state.audit, jobId: id };
    await enqueueRecorded(deps, [{ id, instance: instance.name }], runAfter);
    const headers = { Location: `/v1/jobs/${id}` };
    const links = { self: `/v1/jobs/${id}` };
    if (runAfter) return reply({ id, status: 'queued', runAt: runAfter.toISOString(), links }, 202, headers);
    if (wait > 0) {
      const done = await waitForJob(deps, id, wait);
      if (done) {
        ctx.state.audit = { ...ctx.state.audit, reads: JOB_READS };
        return reply(jobView(done, await deps.store.attempts(id)), 200, headers);
      }
    }
    return reply({ id, status: 'queued', links }, 202, headers);
  },
});

const getJob = defineRoute<{ id: string }, undefined, undefined, z.output<typeof JobSchema>>({
  method: 'get',
  path: '/v1/jobs/{id}',
  operationId: 'jobs.get',
  summary: 'Status, attempts and result of a job',
  description: "A job of your key's environment and scopes; any other id (another environment's included) is a 404.",
  access: 'apiKey',
  tags: ['jobs'],
  params: z.object({ id: z.string().describe('The job id') }),
  // An id that cannot be one (a NUL in it included) is a 404 like a missing job, before any SQL sees it.
  paramsNotFound: true,
  response: JobSchema,
  responseDescription: 'The job',
  errors: [404],
  errorDescriptions: { 404: 'No such job (or not one this key may read)' },
  async handler({ ctx, deps, params, key }) {
    const apiKey = key();
    // An id that cannot be one is a 404 like a missing job, before any SQL sees it.
    if (!isJobId(params.id)) throw problem('NOT_FOUND', 'No such job.');
    const job = await deps.store.get(params.id);
    const instance = job && deps.instances.get(job.instance);
    // Another environment's or scope's job answers 404 like a missing one: ids are not confirmed to outsiders.
    if (!job || !instance || job.environment !== apiKey.environment) throw problem('NOT_FOUND', `No job ${params.id}.`);
    try {
      authorize(apiKey, instance, job.operation);
    } catch {
      throw problem('NOT_FOUND', `No job ${params.id}.`);
    }
    // A read of stored personal data is audited as one: what was handed out, to whom, for which stated purpose.
    ctx.state.audit = { instance: job.instance, operation: job.operation, jobId: job.id, reads: JOB_READS };
    return jobView(job, await deps.store.attempts(job.id)) as z.output<typeof JobSchema>;
  },
});

const batch = defineRoute<undefined, undefined, BatchRequest, z.output<typeof BatchAcceptedSchema>>({
  method: 'post',
  path: '/v1/jobs/batch',
  operationId: 'jobs.batch',
  summary: 'Submit many jobs in one call',
  description:
    'Validates every job first (all or nothing), records them in one transaction and enqueues them in one round trip.',
  access: 'apiKey',
  tags: ['jobs'],
  body: BatchRequestSchema,
  bodyIssues: 'bare',
  invalidBody: `The body must be {"jobs": [{"instance", "operation", "input"}, ...]} with 1 to ${MAX_BATCH} jobs`,
  // Validated after the key is claimed, as for single submits: a reused key with another body is a 422, whatever it holds.
  idempotency: {
    required: (_ctx, deps) =>
      deps.config.idempotency.require !== 'never' ? 'A batch must be sent with an Idempotency-Key header.' : undefined,
  },
  status: 202,
  response: BatchAcceptedSchema,
  responseDescription: 'All accepted',
  async handler({ ctx, deps, body, key }) {
    const apiKey = key();
    const jobs: NewJob[] = [];
    const errors: Array<{ path: string; message: string }> = [];
    for (const [index, { instance: instanceName, operation: operationName, input }] of body.jobs.entries()) {
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
      authorize(apiKey, instance, operationName);
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
        apiKeyId: apiKey.id,
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
    return { jobs: jobs.map((j) => ({ id: j.id, status: 'queued' as const, links: { self: `/v1/jobs/${j.id}` } })) };
  },
});

/** The job routes: read one, submit a batch. */
export const JOB_ROUTES: Route[] = [getJob, batch];

/** Submitting one operation: mounted last, as it matches any `/v1/x/y`. */
export const SUBMIT_ROUTE: Route = submit;
