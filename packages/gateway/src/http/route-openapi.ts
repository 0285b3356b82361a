import { z } from 'zod';
import type { Route } from './route.js';

type JsonSchema = Record<string, unknown>;
type Doc = Record<string, unknown> & { paths?: Record<string, Record<string, unknown>> };

/**
 * One zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), `$schema` dropped. Schemas named with
 * `.meta({ id })` are referred to as `#/components/schemas/<id>`; `components` (when given) receives them.
 */
export function jsonSchemaOf(
  schema: z.ZodType,
  io: 'input' | 'output',
  components?: Record<string, unknown>,
): JsonSchema {
  const {
    $schema: _s,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: (ctx) => {
      const def = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def;
      if (def?.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const toComponents = (node: unknown): unknown =>
    JSON.parse(JSON.stringify(node), (k, v) =>
      k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : v,
    );
  if (components) for (const [id, def] of Object.entries($defs ?? {})) components[id] ??= toComponents(def);
  return (components ? toComponents(rest) : { ...rest, ...($defs ? { $defs } : {}) }) as JsonSchema;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (each failing field listed in `errors`)',
  401: 'Missing or invalid credentials',
  403: 'The caller lacks the operator permission this route needs (FORBIDDEN_SCOPE)',
  404: 'No such record in the caller’s environment',
  409: 'The record is not in a state this action applies to',
  413: 'Body too large',
  415: 'Not JSON',
  405: 'The path exists but not for this method (see `Allow`)',
  422: 'Idempotency-Key reused with another request',
  429: 'Rate limit exceeded (see Retry-After)',
  500: 'Gateway failure',
  503: 'The gateway is shutting down, the database is unreachable or the audit log cannot be written',
};

function problems(codes: number[], descriptions: Record<number, string> = {}): Record<string, unknown> {
  return Object.fromEntries(
    [...new Set(codes)]
      .sort((a, b) => a - b)
      .map((status) => [
        String(status),
        {
          description: descriptions[status] ?? DESCRIPTIONS[status] ?? 'Error',
          ...(status === 429 || status === 503
            ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } } }
            : {}),
          ...(status === 405
            ? { headers: { Allow: { schema: { type: 'string' }, description: 'The methods this path accepts' } } }
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

const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC).',
  schema: { type: 'string', maxLength: 255 },
};

const SESSION_DESCRIPTIONS: Record<number, string> = {
  401: 'No console session (log in first: POST /v1/admin/login)',
  403: 'Missing or wrong X-CSRF-Token (CSRF_TOKEN_INVALID)',
};

const KEY_DESCRIPTIONS: Record<number, string> = {
  401: 'Missing or invalid API key',
  403: 'Out of scope or another environment',
  409: 'Same Idempotency-Key still in flight',
  422: 'Idempotency-Key reused with another request',
};

/** The OpenAPI operation of one route, from its zod schemas; named schemas go to `components`. */
export function operationOf(route: Route, components?: Record<string, unknown>): Record<string, unknown> {
  const status = String(route.status ?? 200);
  const params = [
    ...parameters(route.params, 'path'),
    ...parameters(route.query, 'query'),
    ...(route.idempotency ? [idempotencyHeader] : []),
  ];
  const open = !route.permission && route.access === 'open';
  const session = !route.permission && route.access === 'session';
  const description = route.permission
    ? `${route.description ? `${route.description} ` : ''}Needs the \`${route.permission}\` permission; acts in the caller's environment only.`
    : (route.description ?? route.summary);
  const content = (schema: z.ZodType | undefined, produces: readonly string[] | undefined, example?: unknown) =>
    schema
      ? {
          content: Object.fromEntries(
            (produces ?? ['application/json']).map((type) => [
              type,
              { schema: jsonSchemaOf(schema, 'output', components), ...(example !== undefined ? { example } : {}) },
            ]),
          ),
        }
      : {};
  const successes: Record<string, unknown> = {
    [status]: {
      description: route.responseDescription ?? 'OK',
      ...(route.responseHeaders ? { headers: route.responseHeaders } : {}),
      ...content(route.response, route.produces),
    },
  };
  for (const [code, response] of Object.entries(route.responses ?? {}))
    successes[code] = {
      description: response.description,
      ...(response.headers ? { headers: response.headers } : {}),
      ...content(response.schema, response.produces, response.example),
    };
  const codes = [
    // A session is not rate-limited; only its state-changing calls can fail the CSRF check (403).
    ...(open ? [] : session ? [401, ...(route.method === 'get' ? [] : [403])] : [401, 403, 429]),
    ...((route.params && !route.paramsNotFound) || route.query || route.body ? [400] : []),
    // Every call can meet a shutdown or an audit log that cannot be written (503).
    ...(route.permission ? [400, 503] : [405, 500, 503]),
    ...(route.body || route.idempotency ? [413, 415] : []),
    ...(route.idempotency ? [409, 422] : []),
    ...(route.errors ?? []),
  ];
  return {
    operationId: route.operationId,
    summary: route.summary,
    description,
    tags: route.tags,
    security: route.security ?? (open ? [] : session ? [{ consoleSession: [] }] : [{ apiKey: [] }]),
    ...(route.permission ? { 'x-relaykit-permission': route.permission } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: jsonSchemaOf(route.body, 'input', components),
                ...(route.example !== undefined ? { example: route.example } : {}),
              },
            },
          },
        }
      : route.rawBody
        ? {
            requestBody: {
              required: true,
              ...(route.rawBody.description ? { description: route.rawBody.description } : {}),
              content: { 'application/json': { schema: jsonSchemaOf(route.rawBody.schema, 'input', components) } },
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
      ...successes,
      ...problems(
        codes.filter((code) => !(String(code) in successes)),
        { ...(route.permission ? {} : session ? SESSION_DESCRIPTIONS : KEY_DESCRIPTIONS), ...route.errorDescriptions },
      ),
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
  'operator: encryption':
    'The operator API: sealed rows per key id, and re-sealing them with the primary key (`relaykit encryption`)',
  jobs: 'Submit jobs and follow them',
  'console sessions': 'Console users log in and out; the session works the operator API',
  operations: 'Health, readiness and metrics',
  webhooks: 'Events from upstream senders',
  schedules: 'Cron and interval schedules that fire exactly once per fire time',
  privacy: 'Subject rights (needs the `admin:privacy` permission): access export, erasure with a receipt, restrictions',
};

/**
 * Adds `routes` to an OpenAPI document (its paths, and the schemas they name to its components), each documented from
 * the same schemas that validate it. `generic`: the document shows no instance (routes marked `document: 'generic'`
 * are then included).
 */
export function withRoutesOpenApi<T extends Record<string, unknown>>(
  document: T,
  routes: readonly Route[],
  options: { generic?: boolean } = {},
): T {
  const doc = document as Doc & {
    tags?: Array<{ name: string; description?: string }>;
    components?: { schemas?: Record<string, unknown> };
  };
  const shown = routes.filter(
    (r) => (r.document ?? 'always') === 'always' || (r.document === 'generic' && options.generic),
  );
  doc.paths ??= {};
  doc.components ??= {};
  doc.components.schemas ??= {};
  for (const route of shown) {
    const item = (doc.paths[route.path] ??= {});
    item[route.method] = operationOf(route, doc.components.schemas);
  }
  // Every tag an operation names is declared once (Spectral's operation-tag-defined).
  doc.tags ??= [];
  for (const tag of new Set(shown.flatMap((r) => r.tags)))
    if (!doc.tags.some((t) => t.name === tag))
      doc.tags.push({
        name: tag,
        description: TAG_DESCRIPTIONS[tag] ?? `Operator API: ${tag.replace(/^operator: /, '')}`,
      });
  return document;
}
