import { z } from 'zod';
import { createScheduleBody, previewBody, runView, scheduleView, updateScheduleBody } from './routes.js';

type Doc = Record<string, unknown> & {
  paths?: Record<string, unknown>;
  tags?: Array<{ name: string; description?: string }>;
  components?: { schemas?: Record<string, unknown> };
};

const json = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });
  return rest;
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      problem(
        {
          400: 'Invalid request (each failing field listed in `errors`)',
          401: 'Missing or invalid API key',
          403: 'Changing schedules needs an operator key (scope `*` in the instance environment)',
          404: 'No such schedule (or not visible to this key)',
          409: 'The schedule is declared in the configuration or by a connector (SCHEDULE_DECLARED)',
          413: 'Body too large',
          415: 'Not JSON',
          429: 'Rate limit exceeded',
        }[c] ?? 'Error',
      ),
    ]),
  );

const ok = (description: string, ref: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const body = (ref: string, example: unknown) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` }, example } },
});

/** The action routes take no body (one sent is ignored). */
const noBody = {
  required: false,
  content: { 'application/json': { schema: { type: 'object' }, example: {} } },
};

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

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/**
 * Adds the `/v1/schedules` operations and their schemas to the gateway's OpenAPI document (returns it).
 * Request and response schemas come from the same zod schemas the routes validate with.
 */
export function withScheduleOpenApi<T extends Record<string, unknown>>(document: T): T {
  const doc = document as Doc;
  doc.components ??= {};
  doc.components.schemas ??= {};
  Object.assign(doc.components.schemas, {
    ScheduleCreate: json(createScheduleBody, 'input'),
    ScheduleUpdate: json(updateScheduleBody, 'input'),
    SchedulePreview: json(previewBody, 'input'),
    Schedule: json(scheduleView, 'output'),
    ScheduleRun: json(runView, 'output'),
  });
  // Delayed jobs: every operation route takes ?delay= or ?runAt= (read by routes.ts through readRunAt).
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const post = (item as { post?: { parameters?: Array<{ name?: string }> } }).post;
    if (!/^\/v1\/[^/]+\/[^/]+$/.test(path) || path.startsWith('/v1/jobs/') || path.startsWith('/v1/webhooks/'))
      continue;
    if (!post?.parameters?.some((p) => p.name === 'wait')) continue;
    post.parameters.push(
      {
        name: 'delay',
        in: 'query',
        required: false,
        description: 'Run the job this long from now (e.g. `15m`); the job is recorded at once and survives restarts.',
        schema: { type: 'string', examples: ['15m'] },
      } as never,
      {
        name: 'runAt',
        in: 'query',
        required: false,
        description: 'Run the job at this instant (ISO 8601 with an offset); not with `delay`. At most a year ahead.',
        schema: { type: 'string', format: 'date-time' },
      } as never,
    );
  }
  const security = [{ apiKey: [] }];
  const tags = ['schedules'];
  doc.paths ??= {};
  Object.assign(doc.paths, {
    '/v1/schedules': {
      get: {
        operationId: 'schedules.list',
        summary: 'Schedules this key can see, with their next fire times and last outcome',
        tags,
        security,
        parameters: [{ name: 'instance', in: 'query', required: false, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'The schedules',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['schedules'],
                  properties: { schedules: { type: 'array', items: { $ref: '#/components/schemas/Schedule' } } },
                },
              },
            },
          },
          ...errors(401, 429),
        },
      },
      post: {
        operationId: 'schedules.create',
        summary: 'Create a schedule (cron with a time zone, or a fixed interval)',
        description:
          'Needs an operator key. Input strings may hold `{{fireAt}}` and `{{fireDate}}` (the local date of the fire).',
        tags,
        security,
        requestBody: body('ScheduleCreate', createExample),
        responses: { '201': ok('Created', 'Schedule'), ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    '/v1/schedules/preview': {
      post: {
        operationId: 'schedules.preview',
        summary: 'The next fire times of a cron or interval, before saving it',
        tags,
        security,
        requestBody: body('SchedulePreview', { cron: '30 7 * * 0-5', timeZone: 'Asia/Kathmandu', count: 5 }),
        responses: {
          '200': {
            description: 'Fire times (ISO 8601, UTC)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['next'],
                  properties: { next: { type: 'array', items: { type: 'string', format: 'date-time' } } },
                },
              },
            },
          },
          ...errors(400, 401, 429),
        },
      },
    },
    '/v1/schedules/{id}': {
      get: {
        operationId: 'schedules.get',
        summary: 'One schedule with its next fire times',
        tags,
        security,
        parameters: [
          idParam,
          { name: 'next', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
        ],
        responses: { '200': ok('The schedule', 'Schedule'), ...errors(401, 404, 429) },
      },
      patch: {
        operationId: 'schedules.update',
        summary: 'Change a schedule made through the API',
        tags,
        security,
        parameters: [idParam],
        requestBody: body('ScheduleUpdate', { cron: '0 8 * * 0-5', deadline: '15m' }),
        responses: { '200': ok('Updated', 'Schedule'), ...errors(400, 401, 403, 404, 409, 415, 429) },
      },
      delete: {
        operationId: 'schedules.delete',
        summary: 'Delete a schedule made through the API',
        tags,
        security,
        parameters: [idParam],
        responses: { '204': { description: 'Deleted' }, ...errors(401, 403, 404, 409, 429) },
      },
    },
    '/v1/schedules/{id}/pause': {
      post: {
        operationId: 'schedules.pause',
        summary: 'Pause: no fires until resumed',
        tags,
        security,
        parameters: [idParam],
        requestBody: noBody,
        responses: { '200': ok('Paused', 'Schedule'), ...errors(401, 403, 404, 429) },
      },
    },
    '/v1/schedules/{id}/resume': {
      post: {
        operationId: 'schedules.resume',
        summary: 'Resume: the next fire is the first fire time from now (paused fires are not caught up)',
        tags,
        security,
        parameters: [idParam],
        requestBody: noBody,
        responses: { '200': ok('Resumed', 'Schedule'), ...errors(401, 403, 404, 429) },
      },
    },
    '/v1/schedules/{id}/run': {
      post: {
        operationId: 'schedules.run',
        summary: 'Run now: one job at once, recorded as a manual run',
        tags,
        security,
        parameters: [idParam],
        requestBody: noBody,
        responses: {
          '202': {
            description: 'The job is recorded and queued',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id', 'status', 'fireAt', 'links'],
                  properties: {
                    id: { type: 'string' },
                    status: { type: 'string', enum: ['queued'] },
                    fireAt: { type: 'string', format: 'date-time' },
                    links: { type: 'object', properties: { self: { type: 'string' } } },
                  },
                },
              },
            },
          },
          ...errors(401, 403, 404, 429),
        },
      },
    },
    '/v1/schedules/{id}/runs': {
      get: {
        operationId: 'schedules.runs',
        summary: 'Run history (newest first) linked to the jobs, with lag from due time to job start',
        tags,
        security,
        parameters: [
          idParam,
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
        ],
        responses: {
          '200': {
            description: 'Runs',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['runs'],
                  properties: { runs: { type: 'array', items: { $ref: '#/components/schemas/ScheduleRun' } } },
                },
              },
            },
          },
          ...errors(401, 404, 429),
        },
      },
    },
  });
  // Linters (Spectral's recommended set) want a description on every operation and every tag declared.
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/v1/schedules')) continue;
    for (const operation of Object.values(item as Record<string, { summary?: string; description?: string }>))
      operation.description ??= `${operation.summary}. ${path.includes('{id}') ? 'A schedule this key cannot read is a 404. ' : ''}Reading needs a key reaching the instance; changing needs scope \`*\` in its environment.`;
  }
  const declared = (doc.tags ??= []);
  if (!declared.some((t) => t.name === 'schedules'))
    declared.push({
      name: 'schedules',
      description: 'Cron and interval schedules that fire exactly once per fire time',
    });
  return document;
}
