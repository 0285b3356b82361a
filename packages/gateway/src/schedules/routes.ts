import { z } from 'zod';
import { problem } from '../errors/index.js';
import { defineRoute, reply, type Route, type RouteRequest } from '../http/route.js';
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
import { newScheduleId, type ScheduleRecord, type ScheduleSpec } from './store.js';

const scheduleName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    'letters, digits, ".", "-" and "_", at most 63, starting with a letter or digit',
  );

/** Body of `POST /v1/schedules`. */
export const createScheduleBody = z
  .strictObject({
    instance: z.string().min(1),
    operation: z.string().min(1),
    name: scheduleName.optional(),
    input: z.unknown().optional(),
    ...scheduleTimingFields,
    ...schedulePolicyFields,
    description: z.string().max(500).optional(),
    paused: z.boolean().optional(),
  })
  .meta({ id: 'ScheduleCreate' });

/** Body of `PATCH /v1/schedules/{id}`: any field of a schedule but its instance. */
export const updateScheduleBody = createScheduleBody.omit({ instance: true }).partial().meta({ id: 'ScheduleUpdate' });

/** Body of `POST /v1/schedules/preview`. */
export const previewBody = z
  .strictObject({
    ...scheduleTimingFields,
    count: z.number().int().min(1).max(100).default(10),
    /** Fire times after this instant (default now). */
    after: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: 'SchedulePreview' });

const policyView = z.object({
  overlap: z.enum(['skip', 'queue', 'allow']),
  missed: z.enum(['skip', 'once', 'catch-up']),
  catchUpLimit: z.number().int(),
  graceMs: z.number().int(),
  jitterMs: z.number().int(),
  deadlineMs: z.number().int().describe('0: none'),
});

/** A schedule as the API shows it. */
export const scheduleView = z
  .object({
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
  })
  .meta({ id: 'Schedule' });

/** One run as the API shows it. */
export const runView = z
  .object({
    fireAt: z.string(),
    dueAt: z.string(),
    outcome: z.enum(['fired', 'manual', 'skipped_overlap', 'missed', 'expired']),
    jobId: z.string().nullable(),
    jobStatus: z.string().nullable(),
    recordedAt: z.string(),
    jobStartedAt: z.string().nullable(),
    lagMs: z.number().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'ScheduleRun' });

/** A schedule as `/v1/schedules` shows it, with its next `count` fire times (none while paused). */
export function view(s: ScheduleRecord, count = 3): z.infer<typeof scheduleView> {
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

/** The schedule, or 404 — also for one this key may not read (ids are not confirmed to outsiders). */
async function findReadable({ ctx, deps, params, key }: RouteRequest<{ id: string }, unknown, unknown>) {
  const s = await deps.schedules!.store.get(params.id);
  if (!s || !canRead(key(), s)) throw problem('NOT_FOUND', `No schedule ${params.id}.`);
  ctx.state.audit = { instance: s.instance, operation: s.operation };
  return s;
}

function instanceOf(deps: HttpDeps, name: string): LoadedInstance {
  const instance = deps.instances.get(name);
  if (!instance) throw validation('Invalid schedule', [{ path: 'instance', message: `no instance named "${name}"` }]);
  return instance;
}

/** Checks operation, timing and input together and builds the stored spec. */
function specOf(
  instance: LoadedInstance,
  fields: z.output<typeof updateScheduleBody>,
  base: { id: string; name: string; source: ScheduleSpec['source'] },
): ScheduleSpec {
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
}

const createExample = {
  instance: 'wa-school',
  operation: 'broadcast',
  name: 'morning-notice',
  input: {
    broadcastId: 'morning-notice-{{fireDate}}',
    template: { name: 'morning_notice', language: 'ne' },
    recipients: [{ to: '9841234567' }],
  },
  cron: '30 7 * * 0-5',
  timeZone: 'Asia/Kathmandu',
  overlap: 'skip',
  missed: 'skip',
  deadline: '30m',
};

const idParams = z.object({ id: z.string().describe('The schedule id') });
const ACCESS = 'Reading needs a key reaching the instance; changing needs scope `*` in its environment.';
const describe = (summary: string, byId = true, more = '') =>
  `${summary}. ${more}${byId ? 'A schedule this key cannot read is a 404. ' : ''}${ACCESS}`;
const ERRORS = {
  403: 'Changing schedules needs an operator key (scope `*` in the instance environment)',
  404: 'No such schedule (or not visible to this key)',
  409: 'The schedule is declared in the configuration or by a connector (SCHEDULE_DECLARED)',
};
const common = { access: 'apiKey', tags: ['schedules'], bodyIssues: 'bare', errorDescriptions: ERRORS } as const;

const declaredProblem = (s: ScheduleRecord, what: string) =>
  problem(
    'SCHEDULE_DECLARED',
    `Schedule ${s.id} is declared by the ${s.source === 'config' ? 'configuration file' : 'connector'}: ${what}.`,
  );

/** Pause or resume. */
const pauseRoute = (action: 'pause' | 'resume', summary: string) =>
  defineRoute<{ id: string }, undefined, undefined, z.output<typeof scheduleView>>({
    ...common,
    method: 'post',
    path: `/v1/schedules/{id}/${action}`,
    operationId: `schedules.${action}`,
    summary,
    description: describe(summary),
    params: idParams,
    response: scheduleView,
    responseDescription: action === 'pause' ? 'Paused' : 'Resumed',
    errors: [404],
    async handler(request) {
      const s = await findReadable(request);
      assertOperator(request.key(), instanceOf(request.deps, s.instance));
      return view((await request.deps.schedules!.store.setPaused(s.id, action === 'pause'))!);
    },
  });

/**
 * The `/v1/schedules` routes (list, preview, create, read, update, pause, resume, run now, runs, delete), for API
 * keys: reading needs a key reaching the schedule's instance, changing an operator key (scope `*` in its environment).
 */
export const SCHEDULE_ROUTES: Route[] = [
  defineRoute<undefined, { instance?: string | undefined }, undefined, { schedules: z.output<typeof scheduleView>[] }>({
    ...common,
    method: 'get',
    path: '/v1/schedules',
    operationId: 'schedules.list',
    summary: 'Schedules this key can see, with their next fire times and last outcome',
    description: describe('Schedules this key can see, with their next fire times and last outcome', false),
    query: z.object({ instance: z.string().optional().describe('Only the schedules of this instance') }),
    response: z.object({ schedules: z.array(scheduleView) }),
    responseDescription: 'The schedules',
    async handler({ deps, query, key }) {
      const all = await deps.schedules!.store.list(query.instance ? { instances: [query.instance] } : {});
      return { schedules: all.filter((s) => canRead(key(), s)).map((s) => view(s)) };
    },
  }),
  defineRoute<undefined, undefined, z.output<typeof previewBody>, { next: string[] }>({
    ...common,
    method: 'post',
    path: '/v1/schedules/preview',
    operationId: 'schedules.preview',
    summary: 'The next fire times of a cron or interval, before saving it',
    description: describe('The next fire times of a cron or interval, before saving it', false),
    body: previewBody,
    invalidBody: 'Invalid preview',
    example: { cron: '30 7 * * 0-5', timeZone: 'Asia/Kathmandu', count: 5 },
    response: z.object({ next: z.array(z.string().meta({ format: 'date-time' })) }),
    responseDescription: 'Fire times (ISO 8601, UTC)',
    async handler({ body }) {
      const timing: ScheduleTiming = {
        cron: body.cron ?? null,
        every: body.every ?? null,
        timeZone: body.timeZone ?? 'UTC',
      };
      const errors = timingProblems(timing);
      if (errors.length) throw validation('Invalid schedule timing', errors);
      const after = body.after ? new Date(body.after) : new Date();
      return { next: nextFireTimes(timing, after, body.count).map((d) => d.toISOString()) };
    },
  }),
  defineRoute<undefined, undefined, z.output<typeof createScheduleBody>, z.output<typeof scheduleView>>({
    ...common,
    method: 'post',
    path: '/v1/schedules',
    operationId: 'schedules.create',
    summary: 'Create a schedule (cron with a time zone, or a fixed interval)',
    description: describe(
      'Create a schedule (cron with a time zone, or a fixed interval)',
      false,
      'Needs an operator key. Input strings may hold `{{fireAt}}` and `{{fireDate}}` (the local date of the fire). ',
    ),
    body: createScheduleBody,
    invalidBody: 'Invalid schedule',
    example: createExample,
    status: 201,
    response: scheduleView,
    responseDescription: 'Created',
    responseHeaders: { Location: { description: 'The schedule', schema: { type: 'string' } } },
    async handler({ ctx, deps, body, key }) {
      const instance = instanceOf(deps, body.instance);
      assertOperator(key(), instance);
      const id = newScheduleId();
      const spec = specOf(instance, body, { id, name: body.name ?? id, source: 'api' });
      ctx.state.audit = { instance: instance.name, operation: spec.operation };
      const created = await deps.schedules!.store.create(spec);
      return reply(view(created), 201, { Location: `/v1/schedules/${id}` });
    },
  }),
  defineRoute<{ id: string }, { next?: number | undefined }, undefined, z.output<typeof scheduleView>>({
    ...common,
    method: 'get',
    path: '/v1/schedules/{id}',
    operationId: 'schedules.get',
    summary: 'One schedule with its next fire times',
    description: describe('One schedule with its next fire times'),
    params: idParams,
    query: z.object({
      next: z.coerce.number().int().min(1).max(100).optional().describe('How many next fire times (default 5)'),
    }),
    response: scheduleView,
    responseDescription: 'The schedule',
    errors: [404],
    async handler(request) {
      return view(await findReadable(request), request.query.next ?? 5);
    },
  }),
  defineRoute<{ id: string }, { limit?: number | undefined }, undefined, { runs: z.output<typeof runView>[] }>({
    ...common,
    method: 'get',
    path: '/v1/schedules/{id}/runs',
    operationId: 'schedules.runs',
    summary: 'Run history (newest first) linked to the jobs, with lag from due time to job start',
    description: describe('Run history (newest first) linked to the jobs, with lag from due time to job start'),
    params: idParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional().describe('At most (default 50)') }),
    response: z.object({ runs: z.array(runView) }),
    responseDescription: 'Runs',
    errors: [404],
    async handler(request) {
      const s = await findReadable(request);
      return { runs: await request.deps.schedules!.store.runs(s.id, request.query.limit ?? 50) };
    },
  }),
  defineRoute<{ id: string }, undefined, z.output<typeof updateScheduleBody>, z.output<typeof scheduleView>>({
    ...common,
    method: 'patch',
    path: '/v1/schedules/{id}',
    operationId: 'schedules.update',
    summary: 'Change a schedule made through the API',
    description: describe('Change a schedule made through the API'),
    params: idParams,
    body: updateScheduleBody,
    invalidBody: 'Invalid schedule',
    example: { cron: '0 8 * * 0-5', deadline: '15m' },
    response: scheduleView,
    responseDescription: 'Updated',
    errors: [404, 409],
    async handler(request) {
      const s = await findReadable(request);
      const instance = instanceOf(request.deps, s.instance);
      assertOperator(request.key(), instance);
      if (s.source !== 'api') throw declaredProblem(s, 'change it there (pause and resume work here)');
      const patch = request.body;
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
        ...Object.fromEntries(
          Object.entries(patch).filter(([k, v]) => v !== undefined && k !== 'cron' && k !== 'every'),
        ),
      };
      const spec = specOf(instance, merged, { id: s.id, name: patch.name ?? s.name, source: 'api' });
      return view(await request.deps.schedules!.store.update(spec));
    },
  }),
  defineRoute<{ id: string }, undefined, undefined, undefined>({
    ...common,
    method: 'delete',
    path: '/v1/schedules/{id}',
    operationId: 'schedules.delete',
    summary: 'Delete a schedule made through the API',
    description: describe('Delete a schedule made through the API'),
    params: idParams,
    status: 204,
    responseDescription: 'Deleted',
    errors: [404, 409],
    async handler(request) {
      const s = await findReadable(request);
      assertOperator(request.key(), instanceOf(request.deps, s.instance));
      if (s.source !== 'api') throw declaredProblem(s, 'remove it there, or pause it here');
      await request.deps.schedules!.store.delete(s.id);
      return undefined;
    },
  }),
  pauseRoute('pause', 'Pause: no fires until resumed'),
  pauseRoute('resume', 'Resume: the next fire is the first fire time from now (paused fires are not caught up)'),
  defineRoute<
    { id: string },
    undefined,
    undefined,
    { id: string; status: 'queued'; fireAt: string; links: { self: string } }
  >({
    ...common,
    method: 'post',
    path: '/v1/schedules/{id}/run',
    operationId: 'schedules.run',
    summary: 'Run now: one job at once, recorded as a manual run',
    description: describe('Run now: one job at once, recorded as a manual run'),
    params: idParams,
    status: 202,
    response: z.object({
      id: z.string(),
      status: z.literal('queued'),
      fireAt: z.string().meta({ format: 'date-time' }),
      links: z.object({ self: z.string() }),
    }),
    responseDescription: 'The job is recorded and queued',
    responseHeaders: { Location: { description: 'The job', schema: { type: 'string' } } },
    errors: [404],
    async handler(request) {
      const { ctx, deps, params } = request;
      const s = await findReadable(request);
      assertOperator(request.key(), instanceOf(deps, s.instance));
      const schedules = deps.schedules!;
      const fired = await schedules.store.runNow(s.id, schedules.maxAttempts(s.instance));
      if (!fired) throw problem('NOT_FOUND', `No schedule ${params.id}.`);
      await schedules.enqueue([fired]);
      ctx.state.audit = { ...ctx.state.audit, jobId: fired.jobId };
      return reply(
        {
          id: fired.jobId,
          status: 'queued' as const,
          fireAt: fired.fireAt.toISOString(),
          links: { self: `/v1/jobs/${fired.jobId}` },
        },
        202,
        { Location: `/v1/jobs/${fired.jobId}` },
      );
    },
  }),
];
