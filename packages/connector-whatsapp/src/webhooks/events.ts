import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { InboundBase, InboundContent, MessagesValue, WebhookErrorSchema, WebhookNotification, type WebhookStatus } from './schema.js';

/** Where an event came from. */
export interface EventSource {
  /** WhatsApp Business Account id (`entry[].id`). */
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
}

type Content = { [K in keyof typeof InboundContent]: { type: K } & z.output<(typeof InboundContent)[K]> }[keyof typeof InboundContent];

/** An inbound message with its typed content, or `type: 'unknown'` with the raw object kept. */
export type InboundMessage = {
  id: string;
  from: string;
  /** Unix seconds. */
  timestamp: number;
  context?: { from?: string | undefined; id?: string | undefined; forwarded?: boolean | undefined } | undefined;
  raw: Record<string, unknown>;
} & (Content | { type: 'unknown'; originalType: string; parseError?: string });

/** A delivery status: the allowed values, or any new one Meta adds later (kept, never dropped). */
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** Error details Meta attaches to statuses and changes. */
export type WebhookError = z.output<typeof WebhookErrorSchema>;

/** A status update of a message we sent. */
export interface StatusUpdate {
  messageId: string;
  status: DeliveryStatus | (string & {});
  /** Unix seconds. */
  timestamp: number;
  recipientId: string | undefined;
  conversation?: z.output<typeof WebhookStatus>['conversation'];
  pricing?: z.output<typeof WebhookStatus>['pricing'];
  errors: WebhookError[];
}

/** Every event a WhatsApp webhook notification turns into. */
export type WhatsAppEvent =
  | { kind: 'message'; source: EventSource; contact?: { name?: string | undefined; waId?: string | undefined; userId?: string | undefined } | undefined; message: InboundMessage }
  | { kind: 'status'; source: EventSource; status: StatusUpdate }
  | { kind: 'error'; source: EventSource; errors: WebhookError[] }
  | { kind: 'unknown_change'; wabaId: string; field: string; value: unknown };

/** Thrown by {@link parseWebhookPayload} when the envelope itself is not a WhatsApp notification. */
export class WebhookPayloadError extends Error {
  constructor(message: string, readonly issues: unknown) {
    super(message);
    this.name = 'WebhookPayloadError';
  }
}

/**
 * Turns a parsed notification into typed events. Unknown message types and unknown change fields
 * are kept raw (never dropped); a message whose known type has an unexpected shape is kept as
 * `unknown` with the parse error. Only a malformed envelope throws.
 */
export function parseWebhookPayload(payload: unknown): WhatsAppEvent[] {
  const envelope = WebhookNotification.safeParse(payload);
  if (!envelope.success) throw new WebhookPayloadError('Not a WhatsApp Business Account notification', envelope.error.issues);
  const events: WhatsAppEvent[] = [];
  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      const value = change.field === 'messages' ? MessagesValue.safeParse(change.value) : undefined;
      if (!value?.success) {
        events.push({ kind: 'unknown_change', wabaId: entry.id, field: change.field, value: change.value });
        continue;
      }
      const v = value.data;
      const source: EventSource = { wabaId: entry.id, phoneNumberId: v.metadata.phone_number_id, displayPhoneNumber: v.metadata.display_phone_number };
      for (const raw of v.messages ?? []) {
        const message = parseInbound(raw);
        if (!message) continue;
        const contact = v.contacts?.find((c) => c.wa_id === message.from) ?? (v.contacts?.length === 1 ? v.contacts[0] : undefined);
        events.push({ kind: 'message', source, contact: contact ? { name: contact.profile?.name, waId: contact.wa_id, userId: contact.user_id } : undefined, message });
      }
      for (const s of v.statuses ?? []) {
        events.push({ kind: 'status', source, status: { messageId: s.id, status: s.status, timestamp: Number(s.timestamp), recipientId: s.recipient_id, conversation: s.conversation, pricing: s.pricing, errors: s.errors ?? [] } });
      }
      if (v.errors?.length) events.push({ kind: 'error', source, errors: v.errors });
    }
  }
  return events;
}

function parseInbound(raw: unknown): InboundMessage | undefined {
  const base = InboundBase.safeParse(raw);
  if (!base.success) return undefined;
  const b = base.data;
  const common = { id: b.id, from: b.from, timestamp: Number(b.timestamp), context: b.context, raw: raw as Record<string, unknown> };
  const schema = (InboundContent as Record<string, z.ZodType | undefined>)[b.type];
  if (!schema) return { ...common, type: 'unknown', originalType: b.type };
  const content = schema.safeParse(raw);
  if (!content.success) return { ...common, type: 'unknown', originalType: b.type, parseError: content.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ...common, type: b.type, ...(content.data as object) } as InboundMessage;
}

/** The key equal for duplicate deliveries: message id, or (status id, status). */
export function webhookEventKey(event: WhatsAppEvent): string {
  switch (event.kind) {
    case 'message':
      return `message:${event.message.id}`;
    case 'status':
      return `status:${event.status.messageId}:${event.status.status}`;
    // Errors and unknown changes carry no id: their content identifies them.
    case 'error':
      return `error:${event.source.phoneNumberId}:${digest(event.errors)}`;
    default:
      return `change:${event.wabaId}:${event.field}:${digest(event.value)}`;
  }
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value) ?? '').digest('base64url').slice(0, 22);
}
