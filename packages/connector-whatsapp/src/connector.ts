import {
  defineConnector,
  type InputProblem,
  operationsFor,
  toValidationError,
  ValidationError,
} from '@relaykit/sdk-core';
import { z } from 'zod';
import { broadcastTemplate } from './broadcast/index.js';
import { toWhatsAppError, whatsAppClassifier } from './errors/index.js';
import { assessPhoneNumber } from './health/index.js';
import { message } from './messages/builders.js';
import {
  AnyMediaObject,
  InteractiveObject,
  MediaObjectByKind,
  TemplateComponent,
  TemplateParameter,
} from './messages/schema.js';
import { normalizePhoneNumber, RecipientPhoneNumber } from './phone/index.js';
import { WhatsAppSender } from './sender/sender.js';
import { whatsAppRateRules } from './sender/rules.js';
import { MAX_WEBHOOK_BYTES, createWebhookHandler, type WebhookHandler } from './webhooks/handler.js';
import { parseWebhookPayload, webhookEventKey, type WhatsAppEvent } from './webhooks/events.js';
import { WhatsAppEventMarks } from './webhooks/personal-data.js';
import { whatsAppPrivacy } from './privacy/index.js';
import type { StatusTracker } from './webhooks/tracker.js';
import { createStatusTracker } from './webhooks/tracker-create.js';

/** Configuration of one WhatsApp connector instance (one business phone number). */
export const WhatsAppConfig = z.object({
  /** The business phone number's id. */
  phoneNumberId: z.string().min(1),
  /** System-user access token (a secret). */
  accessToken: z.string().min(1),
  /** Meta app secret, the key of webhook signatures (a secret). */
  appSecret: z.string().min(1),
  /** Token echoed back during webhook verification. */
  verifyToken: z.string().min(1),
  apiVersion: z
    .string()
    .regex(/^v\d+\.0$/)
    .default('v21.0'),
  baseUrl: z.url().default('https://graph.facebook.com'),
  /** The number's throughput: 80 by default, up to 1,000 for upgraded numbers. */
  messagesPerSecond: z.number().positive().max(1000).default(80),
  /** Jitter allowance of the pacing, ms (default 25): see `numberPacing`. */
  jitterMs: z.number().nonnegative().max(1000).optional(),
  /** Widening of the allowance while lag is measured (default on, up to 80 ms); `false` keeps `jitterMs` fixed. */
  adaptiveJitter: z
    .union([
      z.literal(false),
      z.object({
        maxJitterMs: z.number().nonnegative().max(1000).optional(),
        holdMs: z.number().int().positive().optional(),
      }),
    ])
    .optional(),
  /** Pair-rate limiter (per recipient); `false` leaves it to Meta. */
  pairRate: z
    .union([
      z.object({ intervalMs: z.number().int().positive(), burst: z.number().int().positive() }),
      z.literal(false),
    ])
    .optional(),
  /** Region of local numbers, e.g. `NP`. */
  defaultRegion: z.string().length(2).optional(),
  /** IANA time zone for quiet hours (e.g. `Asia/Kathmandu`). */
  timeZone: z.string().default('UTC'),
  /** Broadcasts wait outside these hours (read in `timeZone`). */
  quietHours: z.object({ start: z.string().regex(/^\d{2}:\d{2}$/), end: z.string().regex(/^\d{2}:\d{2}$/) }).optional(),
});
export type WhatsAppConfig = z.output<typeof WhatsAppConfig>;

/** Per-instance state built by `setup`. */
export interface WhatsAppState {
  sender: WhatsAppSender;
  webhook: WebhookHandler;
  tracker: StatusTracker;
  config: WhatsAppConfig;
}

const SendResultSchema = z.object({
  messageId: z.string(),
  to: z.string().meta({ pii: 'phone' }),
  waId: z.string().meta({ pii: 'phone' }),
  messageStatus: z.string().optional(),
  language: z.string().optional(),
  attempts: z.number().int(),
  replayed: z.boolean(),
});
// Refused up front when no region can read it (a job that could only fail with VALIDATION); the
// configured region still normalises it when sent.
const to = RecipientPhoneNumber.describe(
  'Recipient phone number (E.164, or local in the configured default region)',
).meta({
  pii: 'phone',
});
// A broadcast reports an unreadable number per recipient (`invalid`) instead of refusing the whole list.
const broadcastTo = z
  .string()
  .min(1)
  .describe('Recipient phone number (E.164, or local in the configured default region)')
  .meta({ pii: 'phone' });
const replyTo = z.string().optional().describe('wamid of the message being answered');
const media = AnyMediaObject.meta({ pii: 'freeText' });
// What a message says is personal data (a child's name, a guardian's answer): masked, erased, never indexed.
const text = z.string().min(1).max(4096).meta({ pii: 'freeText' });

const op = operationsFor<WhatsAppState>();

/**
 * The recipient must be readable with this instance's default region: `9841234567` is a number only where a
 * region says which country it is in, so without one it is refused at submit, not by the job later.
 */
const checkRecipient = (state: WhatsAppState, input: { to: string }): InputProblem[] => {
  try {
    normalizePhoneNumber(input.to, state.config.defaultRegion ? { defaultRegion: state.config.defaultRegion } : {});
    return [];
  } catch (error) {
    return [{ path: ['to'], message: (error as Error).message }];
  }
};

/**
 * The WhatsApp Business Cloud API connector: rate-limited sends (text, template, interactive,
 * media, mark-as-read, broadcast) and the verified webhook (`messages`).
 */
export const whatsappConnector = defineConnector({
  name: 'whatsapp',
  version: '0.1.0',
  description: 'WhatsApp Business Cloud API: sending within Meta’s limits, verified webhooks, delivery tracking.',
  config: WhatsAppConfig,
  setup(ctx) {
    const c = ctx.config;
    const sender = new WhatsAppSender({
      phoneNumberId: c.phoneNumberId,
      accessToken: c.accessToken,
      apiVersion: c.apiVersion,
      http: ctx.createHttpClient({ baseUrl: c.baseUrl, upstream: 'whatsapp', connections: 64 }),
      limiter: ctx.createRateLimiter(
        'whatsapp',
        whatsAppRateRules({
          messagesPerSecond: c.messagesPerSecond,
          ...(c.jitterMs !== undefined ? { jitterMs: c.jitterMs } : {}),
          ...(c.pairRate !== undefined ? { pairRate: c.pairRate } : {}),
        }),
      ),
      messagesPerSecond: c.messagesPerSecond,
      ...(c.jitterMs !== undefined ? { jitterMs: c.jitterMs } : {}),
      ...(c.adaptiveJitter !== undefined ? { adaptiveJitter: adaptiveJitterOption(c.adaptiveJitter) } : {}),
      idempotency: ctx.idempotency,
      ...(c.pairRate !== undefined ? { pairRate: c.pairRate } : {}),
      ...(c.defaultRegion ? { defaultRegion: c.defaultRegion } : {}),
    });
    sender.on((event) => {
      if (event.type === 'alert')
        ctx.logger.error(
          { reason: event.reason, code: event.code, phoneNumberId: event.phoneNumberId },
          'whatsapp sender alert',
        );
    });
    // Redis when the runtime has it; else the runtime's database (PGlite or PostgreSQL), so statuses survive a
    // restart next to the events they came from; memory only for a runtime with neither.
    const tracker = createStatusTracker({
      ...(ctx.redisUrl ? { redisUrl: ctx.redisUrl } : {}),
      ...(ctx.database ? { database: ctx.database, namespace: ctx.instance } : {}),
      prefix: `relaykit:whatsapp:${ctx.instance}:status`,
    });
    // The runtime de-duplicates through `dedupeKey`, so the handler's own store is off here.
    const webhook = createWebhookHandler({ appSecret: c.appSecret, verifyToken: c.verifyToken, dedupe: false });
    return { sender, webhook, tracker, config: c };
  },
  async teardown(state) {
    await state.sender.close();
    await state.tracker.close();
  },
  operations: {
    sendText: op({
      description: 'Sends a text message (inside the 24-hour customer-service window).',
      check: checkRecipient,
      idempotent: true,
      input: z.object({ to, body: text, previewUrl: z.boolean().optional(), replyTo }),
      output: SendResultSchema,
      example: { to: '+9779841234567', body: 'School is closed tomorrow.' },
      run: (ctx, i) =>
        ctx.state.sender.send(
          message.text(i.to, i.body, {
            ...(i.previewUrl !== undefined ? { previewUrl: i.previewUrl } : {}),
            replyTo: i.replyTo,
          }),
          sendOptions(ctx),
        ),
    }),
    sendTemplate: op({
      description: 'Sends an approved template (works outside the 24-hour window), with fallback languages.',
      check: checkRecipient,
      idempotent: true,
      input: z.object({
        to,
        name: z.string().min(1),
        language: z.string().min(2),
        fallbackLanguages: z.array(z.string()).optional(),
        components: z.array(TemplateComponent).optional().meta({ pii: 'freeText' }),
        replyTo,
      }),
      output: SendResultSchema,
      example: {
        to: '9841234567',
        name: 'fee_reminder',
        language: 'ne',
        fallbackLanguages: ['en_US'],
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'सीता' }] }],
      },
      run: (ctx, i) =>
        ctx.state.sender.send(
          {
            to: i.to,
            type: 'template',
            template: {
              name: i.name,
              language: { code: i.language, policy: 'deterministic' },
              ...(i.components ? { components: i.components } : {}),
            },
            ...(i.replyTo ? { context: { message_id: i.replyTo } } : {}),
          },
          { ...sendOptions(ctx), ...(i.fallbackLanguages ? { fallbackLanguages: i.fallbackLanguages } : {}) },
        ),
    }),
    sendInteractive: op({
      description: 'Sends reply buttons (1–3) or a list (≤ 10 rows); lengths are checked before sending.',
      check: checkRecipient,
      idempotent: true,
      input: z.object({ to, interactive: InteractiveObject.meta({ pii: 'freeText' }), replyTo }),
      output: SendResultSchema,
      example: {
        to: '+9779841234567',
        interactive: {
          type: 'button',
          body: { text: 'Will Sita attend the trip?' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'yes', title: 'Yes' } },
              { type: 'reply', reply: { id: 'no', title: 'No' } },
            ],
          },
        },
      },
      run: (ctx, i) =>
        ctx.state.sender.send(
          {
            to: i.to,
            type: 'interactive',
            interactive: i.interactive,
            ...(i.replyTo ? { context: { message_id: i.replyTo } } : {}),
          },
          sendOptions(ctx),
        ),
    }),
    sendMedia: op({
      description: 'Sends an image, video, audio, sticker or document by uploaded media id or by link (never both).',
      check: checkRecipient,
      idempotent: true,
      input: z
        .object({ to, kind: z.enum(['image', 'video', 'audio', 'sticker', 'document']), media, replyTo })
        .superRefine((i, issues) => {
          // zod runs this even when `media` failed already: report only what the kind adds.
          const kindSchema = MediaObjectByKind[i.kind] as
            | (typeof MediaObjectByKind)[keyof typeof MediaObjectByKind]
            | undefined;
          if (!kindSchema || !AnyMediaObject.safeParse(i.media).success) return;
          for (const issue of kindSchema.safeParse(i.media).error?.issues ?? [])
            issues.addIssue({
              code: 'custom',
              message: issue.message,
              path: ['media', ...issue.path.filter((p) => typeof p !== 'symbol')],
            });
        }),
      output: SendResultSchema,
      example: {
        to: '+9779841234567',
        kind: 'document',
        media: { link: 'https://school.example/report.pdf', filename: 'report.pdf' },
      },
      run: (ctx, i) =>
        ctx.state.sender.send(
          {
            to: i.to,
            type: i.kind,
            [i.kind]: i.media,
            ...(i.replyTo ? { context: { message_id: i.replyTo } } : {}),
          } as never,
          sendOptions(ctx),
        ),
    }),
    markRead: op({
      description: 'Marks an inbound message as read.',
      idempotent: true,
      input: z.object({ messageId: z.string().min(1) }),
      output: z.object({ success: z.literal(true) }),
      example: { messageId: 'wamid.HBgLOTc3OTg0MTIzNDU2NxUCABIYIDNB' },
      run: async (ctx, i) => {
        await ctx.state.sender.markRead(i.messageId, { signal: ctx.signal });
        return { success: true as const };
      },
    }),
    deliveryStatus: op({
      description: 'The delivery status that status webhooks reported for a sent message (never moves backwards).',
      idempotent: true,
      input: z.object({ messageId: z.string().min(1) }),
      output: z.object({
        messageId: z.string(),
        status: z.enum(['unknown', 'sent', 'delivered', 'read', 'failed']),
        timestamp: z.number().optional(),
        errorCodes: z.array(z.number()).optional(),
      }),
      example: { messageId: 'wamid.HBgLOTc3OTg0MTIzNDU2NxUCABIYIDNB' },
      run: async (ctx, i) =>
        (await ctx.state.tracker.get(i.messageId)) ?? { messageId: i.messageId, status: 'unknown' as const },
    }),
    broadcast: op({
      description:
        'Sends one template to many recipients at the highest rate the limits allow; rerunning the same broadcastId resumes without re-sending.',
      idempotent: true,
      input: z.object({
        broadcastId: z.string().min(1).max(200),
        template: z.object({
          name: z.string().min(1),
          language: z.string().min(2),
          fallbackLanguages: z.array(z.string()).optional(),
        }),
        recipients: z
          .array(
            z.object({
              to: broadcastTo,
              id: z.string().optional().meta({ pii: 'id' }),
              language: z.string().optional(),
              body: z.array(TemplateParameter).optional().meta({ pii: 'freeText' }),
            }),
          )
          .min(1)
          .max(100_000),
        respectQuietHours: z.boolean().default(true),
      }),
      output: z.object({
        broadcastId: z.string(),
        total: z.number(),
        sent: z.number(),
        alreadySent: z.number(),
        failed: z.number(),
        invalid: z.number(),
        inFlight: z.number(),
        aborted: z.boolean(),
        elapsedMs: z.number(),
        results: z.array(
          z.object({
            id: z.string().meta({ pii: 'id' }),
            to: z.string().meta({ pii: 'phone' }),
            status: z.string(),
            messageId: z.string().optional(),
            language: z.string().optional(),
            error: z.object({ code: z.string(), metaCode: z.number().optional(), message: z.string() }).optional(),
          }),
        ),
      }),
      example: {
        broadcastId: 'class-5-trip-2081',
        template: { name: 'trip_notice', language: 'ne', fallbackLanguages: ['en_US'] },
        recipients: [{ to: '9841234567', body: [{ type: 'text', text: 'सीता' }] }],
        respectQuietHours: true,
      },
      run: async (ctx, i) => {
        const c = ctx.state.config;
        const r = await broadcastTemplate(ctx.state.sender, {
          broadcastId: i.broadcastId,
          template: i.template,
          recipients: i.recipients.map((x) => ({
            to: x.to,
            ...(x.id ? { id: x.id } : {}),
            ...(x.language ? { language: x.language } : {}),
            ...(x.body ? { body: x.body } : {}),
          })),
          signal: ctx.signal,
          onProgress: (p) => ctx.progress({ ...p }),
          // The runtime's idempotency store (Redis under the gateway) journals each send, so a rerun after a crash
          // never resends a message whose fate is unknown; it reports it as in flight instead.
          journal: ctx.idempotency,
          ...(i.respectQuietHours && c.quietHours ? { quietHours: { ...c.quietHours, timeZone: c.timeZone } } : {}),
        });
        return {
          broadcastId: r.broadcastId,
          total: r.total,
          sent: r.sent,
          alreadySent: r.alreadySent,
          failed: r.failed,
          invalid: r.invalid,
          inFlight: r.inFlight,
          aborted: r.aborted,
          elapsedMs: r.elapsedMs,
          results: r.results,
        };
      },
    }),
  },
  webhooks: {
    messages: {
      description:
        'Meta’s WhatsApp notifications: inbound messages, delivery statuses and errors (signed with the app secret).',
      maxBodyBytes: MAX_WEBHOOK_BYTES,
      handshake: (ctx, request) => ctx.state.webhook.handshake(request),
      verify: (ctx, request) => ctx.state.webhook.verify(request),
      parse(_ctx, request): WhatsAppEvent[] {
        let payload: unknown;
        try {
          payload = JSON.parse(Buffer.from(request.rawBody).toString('utf8'));
        } catch (cause) {
          throw new ValidationError('WhatsApp webhook body is not JSON', [{ path: [], message: 'not JSON' }], {
            cause,
          });
        }
        try {
          return parseWebhookPayload(payload);
        } catch (error) {
          throw toValidationError('Not a WhatsApp Business Account notification', {
            issues: (error as { issues?: [] }).issues ?? [],
          });
        }
      },
      dedupeKey: webhookEventKey,
      event: WhatsAppEventMarks,
      async handle(ctx, event: WhatsAppEvent) {
        if (event.kind === 'status') await ctx.state.tracker.apply(event.status);
      },
    },
  },
  classify: whatsAppClassifier,
  privacy: whatsAppPrivacy,
  /**
   * The number as Meta sees it (`GET /{phone-number-id}`): not ok when the token is refused, the
   * number is not CONNECTED (flagged, restricted, ...), its quality is RED, its throughput level is
   * below the configured `messagesPerSecond`, or the sender is paused after 131048/368.
   */
  async health(ctx) {
    const { sender, config } = ctx.state;
    try {
      const number = await sender.phoneNumberStatus({ signal: ctx.signal });
      const assessment = assessPhoneNumber(number, {
        messagesPerSecond: config.messagesPerSecond,
        pausedUntil: sender.pausedUntilDate,
      });
      return {
        ok: assessment.ok,
        details: {
          ...number,
          configuredMessagesPerSecond: config.messagesPerSecond,
          problems: assessment.problems,
          warnings: assessment.warnings,
        },
      };
    } catch (error) {
      const e = toWhatsAppError(error);
      return {
        ok: false,
        details: {
          code: e?.code ?? (error as { code?: unknown }).code ?? 'INTERNAL',
          ...(e ? { metaCode: e.metaCode } : {}),
          message: (error as Error).message,
        },
      };
    }
  },
});

function sendOptions(ctx: { idempotencyKey?: string | undefined; signal: AbortSignal }) {
  return { ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}), signal: ctx.signal };
}

/** The config's `adaptiveJitter` as the sender takes it (no keys set to undefined). */
function adaptiveJitterOption(
  value: false | { maxJitterMs?: number | undefined; holdMs?: number | undefined },
): false | { maxJitterMs?: number; holdMs?: number } {
  if (value === false) return false;
  return {
    ...(value.maxJitterMs !== undefined ? { maxJitterMs: value.maxJitterMs } : {}),
    ...(value.holdMs !== undefined ? { holdMs: value.holdMs } : {}),
  };
}
