import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { problem } from '../errors/index.js';
import { authenticate } from '../http/auth.js';
import { parseJson, readRawBody } from '../http/body.js';
import type { HttpDeps } from '../http/types.js';
import type { ApiKey } from '../keys/keys.js';
import { scopeAllows } from '../keys/keys.js';
import type { LoadedInstance } from '../runtime/instances.js';
import { operationOf } from '../util/lookup.js';
import {
  nextFireTimes,
  policyOf,
  renderInput,
  schedulePolicyFields,
  scheduleTimingFields,
  timingProblems,
  type ScheduleTiming,
} from './definition.js';
import type { ScheduleService } from './service.js';
import { newScheduleId, type ScheduleRecord, type ScheduleSpec } from './store.js';

const scheduleName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    'letters, digits, ".", "-" and "_", at most 63, starting with a letter or digit',
  );

/** Body of `POST /v1/schedules`. */
export const createScheduleBody = z.strictObject({
  instance: z.string().min(1),
  operation: z.string().min(1),
  name: scheduleName.optional(),
  input: z.unknown().optional(),
  ...scheduleTimingFields,
  ...schedulePolicyFields,
  description: z.string().max(500).optional(),
  paused: z.boolean().optional(),
});

/** Body of `PATCH /v1/schedules/{id}`: any field of a schedule but its instance. */
export const updateScheduleBody = createScheduleBody.omit({ instance: true }).partial();

/** Body of `POST /v1/schedules/preview`. */
export const previewBody = z.strictObject({
  ...scheduleTimingFields,
  count: z.number().int().min(1).max(100).default(10),
  /** Fire times after this instant (default now). */
  after: z.iso.datetime({ offset: true }).optional(),
});

const policyView = z.object({
  overlap: z.enum(['skip', 'queue', 'allow']),
  missed: z.enum(['skip', 'once', 'catch-up']),
  catchUpLimit: z.number().int(),
  graceMs: z.number().int(),
  jitterMs: z.number().int(),
  deadlineMs: z.number().int().describe('0: none'),
});

/** A schedule as the API shows it. */
export const scheduleView = z.object({
  id: z.string(),
  name: z.string(),
  source: z.enum(['config', 'connector', 'api']),
  instance: z.string(),
  environment: z.string(),
  operation: z.string(),
  input: z.unknown(),
  cron: z.string().nullable(),
  everyMs: z.number().int().nullable(),
  timeZone: z.string(),
  policy: policyView,
  description: z.string().nullable(),
  paused: z.boolean(),
  nextFireAt: z.string().nullable(),
  next: z.array(z.string()).describe('The next fire times (none while paused)'),
  pendingFireAt: z.string().nullable().describe('A fire held by overlap=queue until the running job ends'),
  lastFireAt: z.string().nullable(),
  lastOutcome: z.enum(['fired', 'manual', 'skipped_overlap', 'missed', 'expired']).nullable(),
  lastJob: z
    .object({ id: z.string(), status: z.string().nullable(), links: z.object({ self: z.string() }) })
    .nullable(),
  lastLagMs: z.number().nullable().describe('Start of the last job minus its fire time'),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z.object({ self: z.string(), runs: z.string() }),
});

/** One run as the API shows it. */
export const runView = z.object({
  fireAt: z.string(),
  dueAt: z.string(),
  outcome: z.enum(['fired', 'manual', 'skipped_overlap', 'missed', 'expired']),
  jobId: z.string().nullable(),
  jobStatus: z.string().nullable(),
  recordedAt: z.string(),
  jobStartedAt: z.string().nullable(),
  lagMs: z.number().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});

function view(s: ScheduleRecord, count = 3): z.infer<typeof scheduleView> {
  const next =
    s.paused || !s.nextFireAt
      ? []
      : [s.nextFireAt, ...nextFireTimes(s.timing, new Date(s.nextFireAt), count - 1).map((d) => d.toISOString())];
  return {
    id: s.id,
    name: s.name,
    source: s.source,
    instance: s.instance,
    environment: s.environment,
    operation: s.operation,
    input: s.input,
    cron: s.timing.cron,
    everyMs: s.timing.every,
    timeZone: s.timing.timeZone,
    policy: {
      overlap: s.policy.overlap,
      missed: s.policy.missed,
      catchUpLimit: s.policy.catchUpLimit,
      graceMs: s.policy.grace,
      jitterMs: s.policy.jitter,
      deadlineMs: s.policy.deadline,
    },
    description: s.description,
    paused: s.paused,
    nextFireAt: s.paused ? null : s.nextFireAt,
    next,
    pendingFireAt: s.pendingFireAt,
    lastFireAt: s.lastFireAt,
    lastOutcome: s.lastOutcome,
    lastJob: s.lastJobId
      ? { id: s.lastJobId, status: s.lastJobStatus, links: { self: `/v1/jobs/${s.lastJobId}` } }
      : null,
    lastLagMs: s.lastLagMs,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    links: {
      self: `/v1/schedules/${encodeURIComponent(s.id)}`,
      runs: `/v1/schedules/${encodeURIComponent(s.id)}/runs`,
    },
  };
}

function validation(message: string, errors: Array<{ path: string; message: string }>) {
  return problem('VALIDATION', `${message}: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`, {
    extensions: { errors },
  });
}

function parseBody<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw validation(
      what,
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  return parsed.data;
}

/** Reading a schedule: a key of its environment whose scopes reach its instance. */
function canRead(key: ApiKey, s: { instance: string; environment: string }): boolean {
  return key.environment === s.environment && scopeAllows(key.scopes, s.instance);
}

/**
 * Changing schedules is an operator's act: a key of the instance's environment with the scope `*`
 * (everything in that environment). Keys scoped to instances or operations can read, not change.
 */
function assertOperator(key: ApiKey, instance: { name: string; environment: string }): void {
  if (key.environment !== instance.environment)
    throw problem(
      'FORBIDDEN_ENVIRONMENT',
      `This API key belongs to environment "${key.environment}"; instance "${instance.name}" is in "${instance.environment}".`,
    );
  if (!key.scopes.includes('*'))
    throw problem(
      'FORBIDDEN_SCOPE',
      `Managing schedules needs an operator key (scope "*" in environment "${instance.environment}"); this key has ${key.scopes.join(', ') || 'no scopes'}.`,
    );
}

/** The `/v1/schedules` routes: list, preview, create, read, update, pause, resume, run now, runs, delete. */
export function createScheduleRouter(deps: HttpDeps, schedules: ScheduleService): Router {
  const router = new Router();
  const { store } = schedules;

  const readBody = async (ctx: Context) =>
    parseJson(ctx, await readRawBody(ctx, deps.config.server.bodyLimit), deps.config.server.maxJsonDepth);

  /** The schedule, or 404 — also for one this key may not read (ids are not confirmed to outsiders). */
  const findReadable = async (ctx: Context, key: ApiKey): Promise<ScheduleRecord> => {
    const s = await store.get(ctx.params.id!);
    if (!s || !canRead(key, s)) throw problem('NOT_FOUND', `No schedule ${ctx.params.id}.`);
    ctx.state.audit = { instance: s.instance, operation: s.operation };
    return s;
  };

  const instanceOf = (name: string): LoadedInstance => {
    const instance = deps.instances.get(name);
    if (!instance) throw validation('Invalid schedule', [{ path: 'instance', message: `no instance named "${name}"` }]);
    return instance;
  };

  /** Checks operation, timing and input together and builds the stored spec. */
  const specOf = (
    instance: LoadedInstance,
    fields: z.output<typeof updateScheduleBody>,
    base: { id: string; name: string; source: ScheduleSpec['source'] },
  ): ScheduleSpec => {
    const errors: Array<{ path: string; message: string }> = [];
    const operation = fields.operation ? operationOf(instance.connector, fields.operation) : undefined;
    if (!operation)
      errors.push({
        path: 'operation',
        message: `instance "${instance.name}" has no operation "${String(fields.operation)}"`,
      });
    const timing: ScheduleTiming = {
      cron: fields.cron ?? null,
      every: fields.every ?? null,
      timeZone: fields.timeZone ?? 'UTC',
    };
    errors.push(...timingProblems(timing));
    if (operation) {
      const parsed = operation.input.safeParse(renderInput(fields.input ?? {}, new Date(), timing.timeZone));
      if (!parsed.success)
        for (const issue of parsed.error.issues)
          errors.push({ path: ['input', ...issue.path.map(String)].join('.'), message: issue.message });
    }
    if (errors.length) throw validation('Invalid schedule', errors);
    return {
      ...base,
      instance: instance.name,
      environment: instance.environment,
      operation: fields.operation!,
      input: fields.input ?? {},
      timing,
      policy: policyOf(fields),
      description: fields.description ?? null,
      paused: fields.paused ?? false,
    };
  };

  router.get('/v1/schedules', async (ctx) => {
    const key = await authenticate(ctx, deps);
    const instance = typeof ctx.query.instance === 'string' ? ctx.query.instance : undefined;
    const all = await store.list(instance ? { instances: [instance] } : {});
    ctx.body = { schedules: all.filter((s) => canRead(key, s)).map((s) => view(s)) };
  });

  router.post('/v1/schedules/preview', async (ctx) => {
    await authenticate(ctx, deps);
    const body = parseBody(previewBody, await readBody(ctx), 'Invalid preview');
    const timing: ScheduleTiming = {
      cron: body.cron ?? null,
      every: body.every ?? null,
      timeZone: body.timeZone ?? 'UTC',
    };
    const errors = timingProblems(timing);
    if (errors.length) throw validation('Invalid schedule timing', errors);
    const after = body.after ? new Date(body.after) : new Date();
    ctx.body = { next: nextFireTimes(timing, after, body.count).map((d) => d.toISOString()) };
  });

  router.post('/v1/schedules', async (ctx) => {
    const key = await authenticate(ctx, deps);
    const body = parseBody(createScheduleBody, await readBody(ctx), 'Invalid schedule');
    const instance = instanceOf(body.instance);
    assertOperator(key, instance);
    const id = newScheduleId();
    const spec = specOf(instance, body, { id, name: body.name ?? id, source: 'api' });
    ctx.state.audit = { instance: instance.name, operation: spec.operation };
    const created = await store.create(spec);
    ctx.status = 201;
    ctx.set('Location', `/v1/schedules/${id}`);
    ctx.body = view(created);
  });

  router.get('/v1/schedules/:id', async (ctx) => {
    const key = await authenticate(ctx, deps);
    const s = await findReadable(ctx, key);
    const count = Math.min(100, Math.max(1, Number(ctx.query.next ?? 5) || 5));
    ctx.body = view(s, count);
  });

  router.get('/v1/schedules/:id/runs', async (ctx) => {
    const key = await authenticate(ctx, deps);
    const s = await findReadable(ctx, key);
    const limit = Math.min(1000, Math.max(1, Number(ctx.query.limit ?? 50) || 50));
    ctx.body = { runs: await store.runs(s.id, limit) };
  });

  router.patch('/v1/schedules/:id', async (ctx) => {
    const key = await authenticate(ctx, deps);
    const s = await findReadable(ctx, key);
    const instance = instanceOf(s.instance);
    assertOperator(key, instance);
    if (s.source !== 'api')
      throw problem(
        'SCHEDULE_DECLARED',
        `Schedule ${s.id} is declared by the ${s.source === 'config' ? 'configuration file' : 'connector'}: change it there (pause and resume work here).`,
      );
    const patch = parseBody(updateScheduleBody, await readBody(ctx), 'Invalid schedule');
    const timingGiven = patch.cron !== undefined || patch.every !== undefined;
    const merged = {
      operation: s.operation,
      input: s.input,
      cron: timingGiven ? patch.cron : (s.timing.cron ?? undefined),
      every: timingGiven ? patch.every : (s.timing.every ?? undefined),
      timeZone: s.timing.timeZone,
      overlap: s.policy.overlap,
      missed: s.policy.missed,
      catchUpLimit: s.policy.catchUpLimit,
      grace: s.policy.grace,
      jitter: s.policy.jitter,
      deadline: s.policy.deadline,
      description: s.description ?? undefined,
      paused: s.paused,
      ...Object.fromEntries(Object.entries(patch).filter(([k, v]) => v !== undefined && k !== 'cron' && k !== 'every')),
    };
    const spec = specOf(instance, merged, { id: s.id, name: patch.name ?? s.name, source: 'api' });
    ctx.body = view(await store.update(spec));
  });

  router.delete('/v1/schedules/:id', async (ctx) => {
    const key = await authenticate(ctx, deps);
    const s = await findReadable(ctx, key);
    assertOperator(key, instanceOf(s.instance));
    if (s.source !== 'api')
      throw problem(
        'SCHEDULE_DECLARED',
        `Schedule ${s.id} is declared by the ${s.source === 'config' ? 'configuration file' : 'connector'}: remove it there, or pause it here.`,
      );
    await store.delete(s.id);
    ctx.status = 204;
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/v1/schedules/:id/${action}`, async (ctx) => {
      const key = await authenticate(ctx, deps);
      const s = await findReadable(ctx, key);
      assertOperator(key, instanceOf(s.instance));
      ctx.body = view((await store.setPaused(s.id, action === 'pause'))!);
    });
  }

  router.post('/v1/schedules/:id/run', async (ctx) => {
    const key = await authenticate(ctx, deps);
    const s = await findReadable(ctx, key);
    assertOperator(key, instanceOf(s.instance));
    const fired = await store.runNow(s.id, schedules.maxAttempts(s.instance));
    if (!fired) throw problem('NOT_FOUND', `No schedule ${ctx.params.id}.`);
    await schedules.enqueue([fired]);
    ctx.state.audit = { ...ctx.state.audit, jobId: fired.jobId };
    ctx.status = 202;
    ctx.set('Location', `/v1/jobs/${fired.jobId}`);
    ctx.body = {
      id: fired.jobId,
      status: 'queued',
      fireAt: fired.fireAt.toISOString(),
      links: { self: `/v1/jobs/${fired.jobId}` },
    };
  });

  return router;
}
