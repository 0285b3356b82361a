import { z } from 'zod';
import type { OpsRoute } from './route.js';

type JsonSchema = Record<string, unknown>;
type Doc = Record<string, unknown> & { paths?: Record<string, Record<string, unknown>> };

/** One zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), `$schema` dropped. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: (ctx) => {
      const def = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def;
      if (def?.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as JsonSchema;
  return rest;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (each failing field listed in `errors`)',
  401: 'Missing or invalid credentials',
  403: 'The caller lacks the operator permission this route needs (FORBIDDEN_SCOPE)',
  404: 'No such record in the caller’s environment',
  409: 'The record is not in a state this action applies to',
  413: 'Body too large',
  415: 'Not JSON',
  429: 'Rate limit exceeded (see Retry-After)',
  503: 'The gateway is shutting down, the database is unreachable or the audit log cannot be written',
};

function problems(codes: number[]): Record<string, unknown> {
  return Object.fromEntries(
    [...new Set(codes)]
      .sort((a, b) => a - b)
      .map((status) => [
        String(status),
        {
          description: DESCRIPTIONS[status] ?? 'Error',
          ...(status === 429 || status === 503
            ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } } }
            : {}),
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      ]),
  );
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const json = jsonSchemaOf(schema, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    const array = rest.type === 'array' || (Array.isArray(rest.anyOf) && rest.anyOf.some((s) => s.type === 'array'));
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      ...(array ? { style: 'form', explode: true } : {}),
      schema: rest,
    };
  });
}

/** The OpenAPI operation of one route, from its zod schemas. */
export function operationOf(route: OpsRoute): Record<string, unknown> {
  const status = String(route.status ?? 200);
  const params = [...parameters(route.params, 'path'), ...parameters(route.query, 'query')];
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: `${route.description ? `${route.description} ` : ''}Needs the \`${route.permission}\` permission; acts in the caller's environment only.`,
    tags: route.tags,
    security: [{ apiKey: [] }],
    'x-relaykit-permission': route.permission,
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: jsonSchemaOf(route.body, 'input'),
                ...(route.example !== undefined ? { example: route.example } : {}),
              },
            },
          },
        }
      : route.method === 'get' || route.method === 'delete'
        ? {}
        : // An action without a body: one sent is ignored.
          {
            requestBody: {
              required: false,
              content: { 'application/json': { schema: { type: 'object' }, example: {} } },
            },
          }),
    responses: {
      [status]: {
        description: 'OK',
        content: Object.fromEntries(
          (route.produces ?? ['application/json']).map((type) => [
            type,
            { schema: jsonSchemaOf(route.response, 'output') },
          ]),
        ),
      },
      ...problems([400, 401, 403, 429, 503, ...(route.body ? [413, 415] : []), ...(route.errors ?? [])]),
    },
  };
}

const TAG_DESCRIPTIONS: Record<string, string> = {
  operator: 'The operator API (`/v1/admin/...`): audit, keys, instances, statistics, live stream',
  'operator: jobs': 'The operator API: list, inspect, cancel and retry jobs',
  'operator: dead letters': 'The operator API: dead jobs and sync dead letters, replay and discard',
  'operator: errors': 'The operator API: failures grouped by fingerprint, with a resolution workflow',
  'operator: users': 'The operator API: console users and their roles',
  'operator: schedules':
    'The operator API: schedules with their next fire times and run history; pause, resume, run now',
};

/** Adds `routes` to an OpenAPI document (its paths), each documented from the same schemas that validate it. */
export function withRoutesOpenApi<T extends Record<string, unknown>>(document: T, routes: readonly OpsRoute[]): T {
  const doc = document as Doc & { tags?: Array<{ name: string; description?: string }> };
  doc.paths ??= {};
  doc.tags ??= [];
  for (const tag of new Set(routes.flatMap((r) => r.tags)))
    if (!doc.tags.some((t) => t.name === tag))
      doc.tags.push({ name: tag, description: `Operator API: ${tag.replace(/^operator: /, '')}` });
  for (const route of routes) {
    const item = (doc.paths[route.path] ??= {});
    item[route.method] = operationOf(route);
  }
  // Every tag an operation names is declared once (Spectral's operation-tag-defined).
  doc.tags ??= [];
  for (const tag of new Set(routes.flatMap((r) => r.tags)))
    if (!doc.tags.some((t) => t.name === tag))
      doc.tags.push({ name: tag, ...(TAG_DESCRIPTIONS[tag] ? { description: TAG_DESCRIPTIONS[tag] } : {}) });
  return document;
}
