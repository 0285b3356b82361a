import { z } from 'zod';
import { OpenApiBuilder, type OperationObject, type ParameterObject, type SchemaObject } from 'openapi3-ts/oas31';
import { PROBLEM_CODES } from '../errors/index.js';
import type { LoadedInstance } from '../runtime/instances.js';
import { GATEWAY_ROUTES } from './gateway-routes.js';
import { JobAcceptedSchema, JobSchema, WebhookReceivedSchema } from './job-schemas.js';
import { jsonSchemaOf, withRoutesOpenApi } from './route-openapi.js';
import { SESSION_COOKIE } from './session.js';
import { HANDSHAKE_ERRORS, RECEIVE_ERRORS } from './webhook-routes.js';

type JsonSchema = Record<string, unknown>;

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

const NO_JSON = 'x-relaykit-no-json';

/**
 * Replaces the marks of values JSON cannot carry: as input, such a union member drops out (`id: bigint | number |
 * digits` documents number | digits) and a lone one matches nothing; as output, bigints are written as decimal strings.
 */
function settleBigints(node: unknown, io: 'input' | 'output'): unknown {
  if (Array.isArray(node)) return node.map((n) => settleBigints(n, io));
  if (!node || typeof node !== 'object') return node;
  const schema = node as JsonSchema;
  if (schema[NO_JSON]) {
    const { [NO_JSON]: _mark, ...rest } = schema;
    return io === 'input' ? { ...rest, not: {} } : { ...rest, type: 'string', pattern: '^-?\\d+$' };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(value) && io === 'input') {
      const members = value.filter((m) => !(m as JsonSchema | undefined)?.[NO_JSON]);
      if (members.length === 1 && value.length > 1) {
        Object.assign(out, settleBigints(members[0], io));
        continue;
      }
      out[key] = settleBigints(members, io);
      continue;
    }
    out[key] = settleBigints(value, io);
  }
  return out;
}

/** Converts every schema of a registry with refs into `#/components/schemas`, stripping `$id`/`$schema`. */
function convert(
  entries: Array<{ id: string; schema: z.ZodType }>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  const seen = new Map<z.ZodType, string>();
  const aliases: Record<string, string> = {};
  for (const { id, schema } of entries) {
    const existing = seen.get(schema);
    if (existing) {
      aliases[id] = existing;
      continue;
    }
    seen.set(schema, id);
    registry.add(schema, { id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      // z.date() has no JSON form: it travels as an ISO 8601 string.
      const def = (ctx.zodSchema as { _zod?: { def?: { type?: string; coerce?: boolean } } })._zod?.def;
      // A bigint has no JSON form, nor has a Date object as input (z.coerce.date() reads a string): marked here,
      // settled below (`unrepresentable: 'any'` would say `{}`, "anything").
      if (def?.type === 'bigint' || (def?.type === 'date' && io === 'input' && !def.coerce))
        Object.assign(ctx.jsonSchema, { [NO_JSON]: true });
      else if (def?.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
      // Personal-data marks (`.meta({ pii })`) are shown as an extension keyword, not an unknown JSON Schema one.
      const json = ctx.jsonSchema as Record<string, unknown>;
      if ('pii' in json) {
        json['x-pii'] = json.pii;
        delete json.pii;
      }
    },
  }) as { schemas: Record<string, JsonSchema> };
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $id: _id, $schema: _schema, ...rest } = schema;
    out[id] = settleBigints(rest, io) as JsonSchema;
  }
  for (const [alias, target] of Object.entries(aliases)) out[alias] = { $ref: `#/components/schemas/${target}` };
  return out;
}

const problemSchema: SchemaObject = {
  type: 'object',
  description: 'An RFC 9457 problem document. `code` is stable; `type` links to its explanation in /docs.',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri-reference', examples: ['/docs#problem-VALIDATION'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', enum: Object.keys(PROBLEM_CODES) },
    errors: {
      type: 'array',
      description: 'Validation failures, one per field.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string', examples: ['contacts.3.email'] }, message: { type: 'string' } },
      },
    },
    retryAfterSeconds: { type: 'integer' },
  },
};

function problemResponses(codes: number[], overrides: Record<number, string> = {}): Record<string, unknown> {
  const descriptions: Record<number, string> = {
    400: 'Invalid request (each failing field listed in `errors`)',
    401: 'Missing or invalid API key',
    403: 'Out of scope or another environment',
    404: 'No such instance, operation or job',
    405: 'The path exists but not for this method (see `Allow`)',
    409: 'Same Idempotency-Key still in flight',
    413: 'Body too large',
    415: 'Not JSON',
    422: 'Idempotency-Key reused with another request',
    429: 'Rate limit exceeded (see Retry-After)',
    500: 'Gateway failure',
    503: 'The gateway is shutting down (retry on another instance) or the instance is not set up yet',
    ...overrides,
  };
  const retryAfter = { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } };
  return Object.fromEntries(
    codes.map((status) => [
      String(status),
      {
        description: descriptions[status] ?? 'Error',
        ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
        ...(status === 405
          ? { headers: { Allow: { schema: { type: 'string' }, description: 'The methods this path accepts' } } }
          : {}),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    ]),
  );
}

const idempotencyHeader: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC).',
  schema: { type: 'string', maxLength: 255 },
};

const rateLimitHeaders = {
  RateLimit: {
    description: 'IETF RateLimit header fields draft: remaining units and seconds to reset',
    schema: { type: 'string' },
  },
  'RateLimit-Policy': { description: "The key's quota policies", schema: { type: 'string' } },
};

const waitParameter: ParameterObject = {
  name: 'wait',
  in: 'query',
  required: false,
  description: 'Wait up to this long (e.g. `5s`) and answer 200 with the finished job when it ends in time.',
  schema: { type: 'string', examples: ['5s'] },
};

/** Delayed jobs: every operation route takes `?delay=` or `?runAt=` (read by the submit route through `readRunAt`). */
const delayParameters: ParameterObject[] = [
  {
    name: 'delay',
    in: 'query',
    required: false,
    description: 'Run the job this long from now (e.g. `15m`); the job is recorded at once and survives restarts.',
    schema: { type: 'string', examples: ['15m'] },
  },
  {
    name: 'runAt',
    in: 'query',
    required: false,
    description: 'Run the job at this instant (ISO 8601 with an offset); not with `delay`. At most a year ahead.',
    schema: { type: 'string', format: 'date-time' },
  },
];

/** Responses of a submit: 200 (finished within `wait`, with the output at `outputRef`), 202, problems. */
function submitResponses(outputRef?: string): Record<string, unknown> {
  return {
    '200': {
      description: 'Finished within `wait`: the job with its result',
      headers: rateLimitHeaders,
      content: {
        'application/json': {
          schema: outputRef
            ? {
                allOf: [
                  { $ref: '#/components/schemas/Job' },
                  // A job that failed within `wait` has no result.
                  { type: 'object', properties: { result: { anyOf: [{ $ref: outputRef }, { type: 'null' }] } } },
                ],
              }
            : { $ref: '#/components/schemas/Job' },
        },
      },
    },
    '202': {
      description: 'Accepted: the job is recorded and queued',
      headers: { ...rateLimitHeaders, Location: { description: 'The job URL', schema: { type: 'string' } } },
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/JobAccepted' },
          example: {
            id: 'job_0m3k9x2a1b2c3d4e5f6a7b8',
            status: 'queued',
            links: { self: '/v1/jobs/job_0m3k9x2a1b2c3d4e5f6a7b8' },
          },
        },
      },
    },
    ...problemResponses([400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503]),
  };
}

const webhookReceived = { $ref: '#/components/schemas/WebhookReceived' };

/**
 * The routes of the generic document (a caller whose key reaches no instance, or none): the shapes every instance
 * shares, without naming one. Which instances and operations exist is for a caller whose key reaches them.
 */
function addGenericRoutes(builder: OpenApiBuilder): void {
  const instanceParam: ParameterObject = {
    name: 'instance',
    in: 'path',
    required: true,
    description: 'A configured instance (the document served to your API key lists the ones it reaches)',
    schema: { type: 'string' },
  };
  builder.addPath('/v1/{instance}/{operation}', {
    post: {
      operationId: 'operations.submit',
      summary: 'Submit an operation of an instance as a job',
      description:
        "Validates the body with the operation's input schema, records the job and queues it. Send your API key to get the document listing the instances and operations it reaches, with their schemas.",
      tags: ['jobs'],
      security: [{ apiKey: [] }],
      parameters: [
        instanceParam,
        {
          name: 'operation',
          in: 'path',
          required: true,
          description: 'An operation of the instance',
          schema: { type: 'string' },
        },
        idempotencyHeader,
        waitParameter,
        ...delayParameters,
      ],
      requestBody: {
        required: true,
        description: "The operation's input",
        content: { 'application/json': { schema: { type: 'object' }, example: {} } },
      },
      responses: submitResponses(),
    },
  });
}

/** Options of {@link buildOpenApi}. */
export interface OpenApiOptions {
  title?: string;
  version?: string;
  serverUrl?: string;
  /** `info.contact` (default: a generic one). */
  contact?: { name?: string; url?: string; email?: string };
  /** Which operations to document (default: all); an instance with none is left out, webhooks included. */
  operations?: (instance: LoadedInstance, operation: string) => boolean;
}

/**
 * Builds the OpenAPI 3.1 document for the configured instances, from their connectors' zod schemas. With no instance
 * to show, the document is generic: `/v1/{instance}/{operation}` and the webhook routes, naming no instance.
 */
export function buildOpenApi(
  allInstances: Map<string, LoadedInstance>,
  options: OpenApiOptions = {},
): Record<string, unknown> {
  const shown = (instance: LoadedInstance, operation: string) => options.operations?.(instance, operation) ?? true;
  const visible = new Map<string, { instance: LoadedInstance; operations: string[] }>();
  for (const instance of allInstances.values()) {
    const operations = Object.keys(instance.connector.operations).filter((name) => shown(instance, name));
    if (operations.length) visible.set(instance.name, { instance, operations });
  }
  const builder = OpenApiBuilder.create()
    .addOpenApiVersion('3.1.0')
    .addInfo({
      title: options.title ?? 'relaykit gateway',
      version: options.version ?? '0.0.0',
      license: { name: 'MIT', identifier: 'MIT' },
      contact: options.contact ?? { name: 'The operators of this gateway' },
      description:
        'Submit operations of configured connector instances as durable jobs, poll their status and receive webhooks. Every error is `application/problem+json` (RFC 9457) with a stable `code`.',
    })
    .addSecurityScheme('metricsToken', {
      type: 'http',
      scheme: 'bearer',
      description: 'The metrics token of the gateway configuration (`metrics.token`); API keys do not open `/metrics`.',
    })
    .addSecurityScheme('apiKey', {
      type: 'http',
      scheme: 'bearer',
      description:
        'An API key made with `relaykit keys create`; it belongs to one environment and has scopes `instance:operation`.',
    })
    .addSecurityScheme('consoleSession', {
      type: 'apiKey',
      in: 'cookie',
      name: SESSION_COOKIE,
      description:
        'A console session (POST /v1/admin/login). State-changing requests must also send the session’s X-CSRF-Token. Operator routes accept it like an API key with the role’s permissions.',
    })
    .addSchema('Problem', problemSchema);
  if (options.serverUrl) builder.addServer({ url: options.serverUrl, description: 'This gateway' });

  // Only the schemas of documented operations: a component nobody refers to would still name a connector.
  const connectors = new Map<string, { connector: LoadedInstance['connector']; operations: Set<string> }>();
  for (const { instance, operations } of visible.values()) {
    const entry = connectors.get(instance.connector.name) ?? { connector: instance.connector, operations: new Set() };
    for (const name of operations) entry.operations.add(name);
    connectors.set(instance.connector.name, entry);
  }
  const inputs: Array<{ id: string; schema: z.ZodType }> = [];
  const outputs: Array<{ id: string; schema: z.ZodType }> = [];
  for (const { connector, operations } of connectors.values()) {
    for (const [name, op] of Object.entries(connector.operations)) {
      if (!operations.has(name)) continue;
      inputs.push({ id: `${safe(connector.name)}.${safe(name)}.Input`, schema: op.input });
      outputs.push({ id: `${safe(connector.name)}.${safe(name)}.Output`, schema: op.output });
    }
  }
  for (const [id, schema] of Object.entries({ ...convert(inputs, 'input'), ...convert(outputs, 'output') }))
    builder.addSchema(id, schema as SchemaObject);

  for (const { instance, operations } of visible.values()) {
    const c = instance.connector;
    builder.addTag({
      name: instance.name,
      description: `${c.name} on instance ${instance.name} (environment ${instance.environment})`,
    });
    for (const name of operations) {
      const op = c.operations[name]!;
      const base = `${safe(c.name)}.${safe(name)}`;
      const operation: OperationObject = {
        operationId: `${instance.name}.${name}`.replace(/[^A-Za-z0-9_.-]/g, '_'),
        summary: `${c.name} ${name} on ${instance.name} (${instance.environment})`,
        description: `${op.description}${op.idempotent ? ' Idempotent: safe to retry.' : ' Not idempotent: send an Idempotency-Key to retry safely.'}`,
        tags: [instance.name],
        security: [{ apiKey: [] }],
        parameters: [idempotencyHeader, waitParameter, ...delayParameters],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { $ref: `#/components/schemas/${base}.Input` },
              ...(op.example !== undefined ? { example: op.example } : {}),
            },
          },
        },
        responses: submitResponses(`#/components/schemas/${base}.Output`),
      };
      builder.addPath(`/v1/${instance.name}/${name}`, { post: operation });
    }
    for (const [hook, def] of Object.entries(c.webhooks ?? {})) {
      const path =
        Object.keys(c.webhooks ?? {})[0] === hook
          ? `/v1/webhooks/${instance.name}`
          : `/v1/webhooks/${instance.name}/${hook}`;
      builder.addPath(path, {
        ...(def.handshake
          ? {
              get: {
                operationId: `${instance.name}.webhook.${hook}.handshake`.replace(/[^A-Za-z0-9_.-]/g, '_'),
                summary: `Handshake of ${c.name} webhook ${hook}`,
                description: `The sender's verification handshake for webhook ${hook} of ${instance.name}, answered by the ${c.name} connector.`,
                tags: [instance.name],
                security: [],
                responses: {
                  '200': {
                    description: 'Handshake answered (e.g. the challenge echoed back)',
                    content: { 'text/plain': { schema: { type: 'string' } } },
                  },
                  ...problemResponses([403, 404, 500, 503], HANDSHAKE_ERRORS),
                },
              },
            }
          : {}),
        post: {
          operationId: `${instance.name}.webhook.${hook}`.replace(/[^A-Za-z0-9_.-]/g, '_'),
          summary: `Receive ${c.name} webhook ${hook} on ${instance.name}`,
          description: `${def.description} The signature is verified over the raw bytes; events are recorded and queued before the 200; duplicates are recorded once.`,
          tags: [instance.name],
          security: [],
          requestBody: { required: true, content: { 'application/json': { schema: {} } } },
          responses: {
            '200': {
              description: 'Events recorded',
              content: {
                'application/json': { schema: webhookReceived },
              },
            },
            ...problemResponses([400, 401, 404, 405, 413, 415, 500, 503], RECEIVE_ERRORS),
          },
        },
      });
    }
  }

  if (visible.size === 0) addGenericRoutes(builder);
  builder.addTag({ name: 'jobs', description: 'Submit jobs and follow them' });
  builder.addTag({ name: 'operations', description: 'Health, readiness and metrics' });
  const doc = builder.getSpec() as unknown as Record<string, unknown> & {
    components: { schemas: Record<string, unknown> };
  };
  // The job shapes the submit routes above refer to, from the zod schemas the job routes answer with.
  for (const schema of [JobSchema, JobAcceptedSchema, WebhookReceivedSchema])
    jsonSchemaOf(schema, 'output', doc.components.schemas);
  const routes = withRoutesOpenApi(doc, GATEWAY_ROUTES, { generic: visible.size === 0 });
  // The batch example reuses the first operation that has one, so it is a request the gateway would accept.
  const sample = [...visible.values()].flatMap(({ instance, operations }) =>
    operations
      .filter((name) => instance.connector.operations[name]!.example !== undefined)
      .map((name) => ({
        instance: instance.name,
        operation: name,
        input: instance.connector.operations[name]!.example,
      })),
  )[0];
  type Post = { requestBody: { content: Record<string, { example?: unknown }> } };
  const batch = (routes.paths as Record<string, { post?: Post }>)['/v1/jobs/batch']?.post;
  const media = batch?.requestBody.content['application/json'];
  if (sample && media) media.example = { jobs: [sample] };
  return routes;
}
