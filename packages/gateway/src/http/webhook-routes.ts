import { createHash } from 'node:crypto';
import { z } from 'zod';
import { captureTraceContext, type WebhookRequest } from '@relaykit/sdk-core';
import type { Context } from 'koa';
import { problem } from '../errors/index.js';
import type { NewJob } from '../store/types.js';
import { webhookOf } from '../util/lookup.js';
import { assertJsonDepth, isJsonMediaType, readRawBody } from './body.js';
import { WebhookReceivedSchema } from './job-schemas.js';
import { findInstance } from './jobs-routes.js';
import { enqueueRecorded, newJobId } from './jobs.js';
import { defineRoute, reply, type Route, type RouteRequest } from './route.js';

/** Webhook request as connectors see it: lower-cased headers, raw bytes. */
function webhookRequest(ctx: Context, raw: Buffer): WebhookRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(ctx.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(ctx.query)) query[k] = Array.isArray(v) ? v[0] : v;
  return { method: ctx.method, headers, query, rawBody: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) };
}

type Params = { instance: string; webhook?: string };

/** Receives a delivery or answers a handshake of the instance's webhook (its first when none is named). */
async function webhook({ ctx, deps, params }: RouteRequest<Params, undefined, undefined>) {
  const instance = findInstance(deps, params.instance);
  const hooks = Object.entries(instance.connector.webhooks ?? {});
  const name = params.webhook ?? hooks[0]?.[0];
  const definition = name ? webhookOf(instance.connector, name) : undefined;
  if (!name || !definition)
    throw problem(
      'NOT_FOUND',
      `Instance "${instance.name}" has no webhook${params.webhook ? ` "${params.webhook}"` : ''}.`,
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
    return reply(answer.body ?? '', answer.status, answer.headers ?? {});
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
  return { received: jobs.length, duplicates: jobs.length - fresh.length, jobs: created.map((c) => c.id) };
}

const instanceParam = z
  .string()
  .describe('A configured instance (the document served to your API key lists the ones it reaches)');
const webhookParam = z.string().describe("One of the instance's webhooks (without it: its first)");

/** The documented answers of a handshake (shared with the per-instance entries of `buildOpenApi`). */
export const HANDSHAKE_ERRORS = {
  403: 'Handshake refused (WEBHOOK_VERIFICATION_FAILED, e.g. a wrong verify token)',
  404: 'No such instance or webhook, or not a handshake request',
  500: 'Gateway failure',
  503: 'The instance is not set up yet, or the gateway is shutting down',
};

/** The documented problems of a delivery (shared with the per-instance entries of `buildOpenApi`). */
export const RECEIVE_ERRORS = {
  400: 'The verified body could not be parsed',
  401: 'The signature did not verify (WEBHOOK_SIGNATURE)',
  404: 'No such instance or webhook',
  413: 'Body too large',
  415: 'Not JSON',
  500: 'Gateway failure',
  503: 'The instance is not set up yet, or the gateway is shutting down',
};

/**
 * The webhook routes, open to anyone (each delivery is verified by the connector's signature check over the raw
 * bytes). Documented generically when the document shows no instance; per instance, `buildOpenApi` documents each
 * connector webhook with the same answers.
 */
export const WEBHOOK_ROUTES: Route[] = (
  [
    ['/v1/webhooks/{instance}', z.object({ instance: instanceParam }), ''],
    ['/v1/webhooks/{instance}/{webhook}', z.object({ instance: instanceParam, webhook: webhookParam }), '.named'],
  ] as const
).flatMap(([path, params, suffix]) => [
  defineRoute<Params, undefined, undefined, string>({
    method: 'get',
    path,
    operationId: `webhooks.handshake${suffix}`,
    summary: 'Answer a webhook handshake',
    description:
      "The sender's verification handshake (e.g. Meta's `hub.challenge`), answered by the instance's connector.",
    access: 'open',
    tags: ['webhooks'],
    document: 'generic',
    params,
    produces: ['text/plain'],
    response: z.string(),
    responseDescription: 'Handshake answered (e.g. the challenge echoed back)',
    errors: [403, 404, 500, 503],
    errorDescriptions: HANDSHAKE_ERRORS,
    handler: webhook as never,
  }),
  defineRoute<Params, undefined, undefined, z.output<typeof WebhookReceivedSchema>>({
    method: 'post',
    path,
    operationId: `webhooks.receive${suffix}`,
    summary: 'Receive webhook events',
    description:
      "The signature is verified over the raw bytes by the instance's connector; events are recorded and queued before the 200; duplicates are recorded once.",
    access: 'open',
    tags: ['webhooks'],
    document: 'generic',
    params,
    rawBody: { schema: z.unknown(), description: "The sender's JSON, exactly as signed" },
    response: WebhookReceivedSchema,
    responseDescription: 'Events recorded',
    errors: [400, 401, 404, 405, 413, 415, 500, 503],
    errorDescriptions: RECEIVE_ERRORS,
    handler: webhook as never,
  }),
]);
