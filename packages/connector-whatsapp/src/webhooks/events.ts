import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { WebhookPayloadError } from '../errors/index.js';
import {
  InboundBase,
  InboundContent,
  MessagesValue,
  type WebhookErrorSchema,
  WebhookNotification,
  WebhookStatus,
} from './schema.js';

/** Where an event came from. */
export interface EventSource {
  /** WhatsApp Business Account id (`entry[].id`). */
  wabaId: string;
  /** The business number's id (`metadata.phone_number_id`). */
  phoneNumberId: string;
  /** The business number as displayed (`metadata.display_phone_number`). */
  displayPhoneNumber: string;
}

/** The typed content of each inbound message type we know (`type` plus its object). */
export type KnownContent = {
  [K in keyof typeof InboundContent]: { type: K } & z.output<(typeof InboundContent)[K]>;
}[keyof typeof InboundContent];

/**
 * An inbound message with its typed content, or `type: 'unknown'` with the raw object kept: a type
 * we do not know, or a message failing validation (`parseError` says why). Such a message may lack
 * fields Meta always sends: `id`/`from` are then `''` and `timestamp` is `0`.
 */
export type InboundMessage = {
  /** Meta's message id (`wamid...`). */
  id: string;
  /** The sender's WhatsApp id (country code and number, no `+`). */
  from: string;
  /** Unix seconds. */
  timestamp: number;
  /** Set on replies and forwards: the message answered. */
  context?: MessageContext | undefined;
  /** The message object exactly as Meta sent it. */
  raw: Record<string, unknown>;
} & (KnownContent | UnknownContent);

/** What an inbound message answers or forwards. */
export interface MessageContext {
  /** Who sent the message answered. */
  from?: string | undefined;
  /** Id of the message answered. */
  id?: string | undefined;
  /** True for a forwarded message. */
  forwarded?: boolean | undefined;
}

/** The content of a message we could not type. */
export interface UnknownContent {
  /** Discriminant. */
  type: 'unknown';
  /** The `type` Meta gave (`''` when none). */
  originalType: string;
  /** Why it could not be typed, when it failed validation. */
  parseError?: string;
}

/** A delivery status: the allowed values, or any new one Meta adds later (kept, never dropped). */
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** Error details Meta attaches to statuses and changes. */
export type WebhookError = z.output<typeof WebhookErrorSchema>;

/** A status update of a message we sent. */
export interface StatusUpdate {
  /** The id (`wamid...`) our send returned. */
  messageId: string;
  /** New status of the message. */
  status: DeliveryStatus | (string & {});
  /** Unix seconds. */
  timestamp: number;
  /** The recipient's WhatsApp id. */
  recipientId: string | undefined;
  /** Conversation the message was billed in, when Meta says. */
  conversation?: z.output<typeof WebhookStatus>['conversation'];
  /** Pricing of the message, when Meta says. */
  pricing?: z.output<typeof WebhookStatus>['pricing'];
  /** Why a `failed` status failed. */
  errors: WebhookError[];
}

/**
 * Every event a WhatsApp webhook notification turns into. Nothing is dropped: a status failing
 * validation is an `invalid_status` with its raw object and the reason; a change of a field we do
 * not parse (or a malformed `messages` value) is an `unknown_change`.
 */
export type WhatsAppEvent = MessageEvent | StatusEvent | InvalidStatusEvent | ErrorEvent | UnknownChangeEvent;

/** The profile Meta sends with an inbound message. */
export interface ContactProfile {
  /** Profile name. */
  name?: string | undefined;
  /** WhatsApp id (empty for username users). */
  waId?: string | undefined;
  /** Business-scoped user id. */
  userId?: string | undefined;
}

/** An inbound message. */
export interface MessageEvent {
  /** Discriminant. */
  kind: 'message';
  /** The business number it was sent to. */
  source: EventSource;
  /** The sender's profile, when Meta included it. */
  contact?: ContactProfile | undefined;
  /** The message. */
  message: InboundMessage;
}

/** A delivery status of a message we sent. */
export interface StatusEvent {
  /** Discriminant. */
  kind: 'status';
  /** The business number that sent the message. */
  source: EventSource;
  /** The update. */
  status: StatusUpdate;
}

/** A status object that failed validation, kept rather than dropped. */
export interface InvalidStatusEvent {
  /** Discriminant. */
  kind: 'invalid_status';
  /** The business number. */
  source: EventSource;
  /** The status object as Meta sent it. */
  raw: unknown;
  /** Why it failed validation. */
  reason: string;
}

/** Errors Meta reports for the number (`value.errors`). */
export interface ErrorEvent {
  /** Discriminant. */
  kind: 'error';
  /** The business number. */
  source: EventSource;
  /** Meta's errors. */
  errors: WebhookError[];
}

/** A change of a field we do not parse, or a `messages` value we could not read, untouched. */
export interface UnknownChangeEvent {
  /** Discriminant. */
  kind: 'unknown_change';
  /** WhatsApp Business Account id. */
  wabaId: string;
  /** The change's `field`. */
  field: string;
  /** The change's `value`. */
  value: unknown;
}

export { WebhookPayloadError, isWebhookPayloadError, type WebhookPayloadIssue } from '../errors/index.js';

/**
 * Turns a parsed notification into typed events. Nothing inside a valid envelope is dropped:
 * unknown message types and unknown change fields are kept raw; a message failing validation
 * (even of the fields every message has) is kept as `unknown` with the reason; a status failing
 * validation becomes an `invalid_status` event. Only a malformed envelope throws a
 * {@link WebhookPayloadError}.
 */
export function parseWebhookPayload(payload: unknown): WhatsAppEvent[] {
  const envelope = WebhookNotification.safeParse(payload);
  if (!envelope.success)
    throw new WebhookPayloadError('Not a WhatsApp Business Account notification', issuesOf(envelope.error), {
      cause: envelope.error,
    });
  const events: WhatsAppEvent[] = [];
  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      const value = change.field === 'messages' ? MessagesValue.safeParse(change.value) : undefined;
      if (!value?.success) {
        events.push({ kind: 'unknown_change', wabaId: entry.id, field: change.field, value: change.value });
        continue;
      }
      const v = value.data;
      const source: EventSource = {
        wabaId: entry.id,
        phoneNumberId: v.metadata.phone_number_id,
        displayPhoneNumber: v.metadata.display_phone_number,
      };
      for (const raw of v.messages ?? []) {
        const message = parseInbound(raw);
        const contact =
          v.contacts?.find((c) => c.wa_id === message.from) ?? (v.contacts?.length === 1 ? v.contacts[0] : undefined);
        events.push({
          kind: 'message',
          source,
          contact: contact ? { name: contact.profile?.name, waId: contact.wa_id, userId: contact.user_id } : undefined,
          message,
        });
      }
      for (const raw of v.statuses ?? []) {
        const parsed = WebhookStatus.safeParse(raw);
        if (!parsed.success) {
          events.push({ kind: 'invalid_status', source, raw, reason: describeIssues(parsed.error) });
          continue;
        }
        const s = parsed.data;
        events.push({
          kind: 'status',
          source,
          status: {
            messageId: s.id,
            status: s.status,
            timestamp: Number(s.timestamp),
            recipientId: s.recipient_id,
            conversation: s.conversation,
            pricing: s.pricing,
            errors: s.errors ?? [],
          },
        });
      }
      if (v.errors?.length) events.push({ kind: 'error', source, errors: v.errors });
    }
  }
  return events;
}

// Never drops a message: one failing even the base schema (no `timestamp`, no `id`, ...) is kept
// as `unknown` with whatever fields it has and the validation reason.
function parseInbound(raw: unknown): InboundMessage {
  const base = InboundBase.safeParse(raw);
  if (!base.success) {
    const r = (typeof raw === 'object' && raw !== null ? raw : { value: raw }) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const ts = Number(r.timestamp);
    return {
      id: str(r.id),
      from: str(r.from),
      timestamp: Number.isFinite(ts) ? ts : 0,
      raw: r,
      type: 'unknown',
      originalType: str(r.type),
      parseError: describeIssues(base.error),
    };
  }
  const b = base.data;
  const common = {
    id: b.id,
    from: b.from,
    timestamp: Number(b.timestamp),
    context: b.context,
    raw: raw as Record<string, unknown>,
  };
  const schema = (InboundContent as Record<string, z.ZodType | undefined>)[b.type];
  if (!schema) return { ...common, type: 'unknown', originalType: b.type };
  const content = schema.safeParse(raw);
  if (!content.success)
    return { ...common, type: 'unknown', originalType: b.type, parseError: describeIssues(content.error) };
  return { ...common, type: b.type, ...(content.data as object) } as InboundMessage;
}

/** The key equal for duplicate deliveries: message id, or (status id, status). */
export function webhookEventKey(event: WhatsAppEvent): string {
  switch (event.kind) {
    case 'message':
      // A message too malformed to carry an id is identified by its content.
      return event.message.id ? `message:${event.message.id}` : `message:raw:${digest(event.message.raw)}`;
    case 'invalid_status':
      return `status:raw:${digest(event.raw)}`;
    case 'status':
      return `status:${event.status.messageId}:${event.status.status}`;
    // Errors and unknown changes carry no id: their content identifies them.
    case 'error':
      return `error:${event.source.phoneNumberId}:${digest(event.errors)}`;
    default:
      return `change:${event.wabaId}:${event.field}:${digest(event.value)}`;
  }
}

function issuesOf(error: z.ZodError): Array<{ path: Array<string | number>; message: string }> {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
  }));
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

function digest(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value) ?? '')
    .digest('base64url')
    .slice(0, 22);
}
