import { z } from 'zod';
import { problem } from '../errors/index.js';
import type { HttpDeps } from '../http/types.js';
import type { Principal } from '../ops/principal.js';
import { maskPayload } from '../ops/masking.js';
import { defineRoute, type Route } from '../http/route.js';
import { runView, scheduleView, view } from './routes.js';
import type { ScheduleService } from './service.js';
import type { ScheduleRecord } from './store.js';

// The console's view of schedules. `/v1/schedules` answers API keys only (the session cookie is sent to `/v1/admin`
// only), so the console reads and acts here with the operator permissions: viewers read (`admin:read`), operators
// pause, resume, run now and delete (`admin:operate`). Both see the caller's environment only.

const tags = ['operator: schedules'];
const IdParams = z.object({ id: z.string().min(1).max(200) });

/** A schedule in the operator API: the `/v1/schedules` view, its input masked, with links into the operator API. */
const AdminScheduleView = scheduleView.extend({
  input: z.unknown().describe('The input, masked like job inputs'),
  lastJob: z
    .object({ id: z.string(), status: z.string().nullable(), links: z.object({ self: z.string() }) })
    .nullable()
    .describe('The last fire’s job; its link is the operator job detail'),
  links: z.object({ self: z.string(), runs: z.string() }),
});
type AdminSchedule = z.infer<typeof AdminScheduleView>;

function serviceOf(deps: HttpDeps): ScheduleService {
  if (!deps.schedules) throw problem('NOT_FOUND', 'Schedules are not enabled in this gateway.');
  return deps.schedules;
}

/** The schedule, or 404 when it does not exist or belongs to another environment. */
async function scheduleOf(deps: HttpDeps, principal: Principal, id: string): Promise<ScheduleRecord> {
  const s = await serviceOf(deps).store.get(id);
  if (!s || s.environment !== principal.environment)
    throw problem('NOT_FOUND', `No schedule ${id} in environment "${principal.environment}".`);
  return s;
}

function viewOf(s: ScheduleRecord, count: number): AdminSchedule {
  const base = view(s, count);
  const self = `/v1/admin/schedules/${encodeURIComponent(s.id)}`;
  return {
    ...base,
    // Masked like job inputs (e-mail addresses, phone numbers, secrets): the operator API's rule for payloads.
    input: maskPayload(s.input, false),
    lastJob: base.lastJob && { ...base.lastJob, links: { self: `/v1/admin/jobs/${base.lastJob.id}` } },
    links: { self, runs: `${self}/runs` },
  };
}

/** The operator routes for schedules: list, detail, run history, pause, resume, run now, delete. */
export const SCHEDULE_ADMIN_ROUTES: Route[] = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/schedules',
    operationId: 'admin.schedules.list',
    summary: 'Schedules of the caller’s environment with their next fire times, last outcome, last job and lag',
    permission: 'admin:read',
    tags,
    query: z.object({
      instance: z.string().min(1).max(200).optional(),
      next: z.coerce.number().int().min(1).max(20).default(3).describe('Fire times listed per schedule'),
    }),
    response: z.object({ schedules: z.array(AdminScheduleView) }),
    async handler({ deps, principal, query }) {
      const all = await serviceOf(deps).store.list(query.instance ? { instances: [query.instance] } : {});
      return {
        schedules: all.filter((s) => s.environment === principal.environment).map((s) => viewOf(s, query.next)),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/schedules/{id}',
    operationId: 'admin.schedules.get',
    summary: 'One schedule with its next N fire times',
    permission: 'admin:read',
    tags,
    errors: [404],
    params: IdParams,
    query: z.object({ next: z.coerce.number().int().min(1).max(100).default(10) }),
    response: AdminScheduleView,
    async handler({ deps, principal, params, query }) {
      return viewOf(await scheduleOf(deps, principal, params.id), query.next);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/schedules/{id}/runs',
    operationId: 'admin.schedules.runs',
    summary: 'Run history of a schedule, newest first, with each run’s job, its status and the lag to its start',
    permission: 'admin:read',
    tags,
    errors: [404],
    params: IdParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
    response: z.object({ runs: z.array(runView) }),
    async handler({ deps, principal, params, query }) {
      const s = await scheduleOf(deps, principal, params.id);
      return { runs: await serviceOf(deps).store.runs(s.id, query.limit) };
    },
  }),
  ...(['pause', 'resume'] as const).map((action) =>
    defineRoute({
      method: 'post',
      path: `/v1/admin/schedules/{id}/${action}`,
      operationId: `admin.schedules.${action}`,
      summary: action === 'pause' ? 'Pause a schedule (survives restarts)' : 'Resume a paused schedule',
      description:
        action === 'resume'
          ? 'It fires next at its first fire time from now: times that fell in the pause are not missed runs.'
          : 'Declared schedules (configuration, connector) can be paused too.',
      permission: 'admin:operate',
      tags,
      errors: [404],
      params: IdParams,
      response: AdminScheduleView,
      async handler({ deps, principal, params, audit }) {
        const s = await scheduleOf(deps, principal, params.id);
        audit({ schedule: s.id, instance: s.instance });
        const changed = await serviceOf(deps).store.setPaused(s.id, action === 'pause');
        if (!changed) throw problem('NOT_FOUND', `No schedule ${params.id}.`);
        return viewOf(changed, 3);
      },
    }),
  ),
  defineRoute({
    method: 'post',
    path: '/v1/admin/schedules/{id}/run',
    operationId: 'admin.schedules.run',
    summary: 'Run a schedule now: one job at once, recorded as a manual run',
    permission: 'admin:operate',
    tags,
    status: 202,
    errors: [404],
    params: IdParams,
    response: z.object({
      id: z.string().describe('The job’s id'),
      status: z.literal('queued'),
      fireAt: z.string(),
      links: z.object({ self: z.string() }),
    }),
    async handler({ deps, principal, params, audit }) {
      const service = serviceOf(deps);
      const s = await scheduleOf(deps, principal, params.id);
      const fired = await service.store.runNow(s.id, service.maxAttempts(s.instance));
      if (!fired) throw problem('NOT_FOUND', `No schedule ${params.id}.`);
      await service.enqueue([fired]);
      audit({ schedule: s.id, instance: s.instance }, fired.jobId);
      return {
        id: fired.jobId,
        status: 'queued' as const,
        fireAt: fired.fireAt.toISOString(),
        links: { self: `/v1/admin/jobs/${fired.jobId}` },
      };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/admin/schedules/{id}',
    operationId: 'admin.schedules.delete',
    summary: 'Delete a schedule made through the API',
    description: 'Declared schedules (configuration, connector) answer 409 `SCHEDULE_DECLARED`: pause them instead.',
    permission: 'admin:operate',
    tags,
    errors: [404, 409],
    params: IdParams,
    response: z.object({ schedule: AdminScheduleView }),
    async handler({ deps, principal, params, audit }) {
      const s = await scheduleOf(deps, principal, params.id);
      audit({ schedule: s.id, instance: s.instance });
      if (s.source !== 'api')
        throw problem(
          'SCHEDULE_DECLARED',
          `Schedule ${s.id} is declared by the ${s.source === 'config' ? 'configuration file' : 'connector'}: remove it there, or pause it here.`,
        );
      if (!(await serviceOf(deps).store.delete(s.id))) throw problem('NOT_FOUND', `No schedule ${params.id}.`);
      return { schedule: viewOf(s, 1) };
    },
  }),
];
