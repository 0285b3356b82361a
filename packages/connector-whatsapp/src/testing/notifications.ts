/** Where a notification comes from: the business account and phone number it concerns. */
export interface NotificationSource {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
}

/** One status update as Meta puts it in `value.statuses[]`. */
export interface StatusPayload {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: string;
  recipient_id: string;
  conversation?: { id: string; expiration_timestamp?: string; origin: { type: string } };
  pricing?: { billable: boolean; pricing_model: string; category: string; type?: string };
  errors?: Array<{ code: number; title: string; message: string; error_data?: { details: string }; href?: string }>;
}

/** Builds a `whatsapp_business_account` notification with one `messages` change. */
export function buildNotification(
  source: NotificationSource,
  value: { contacts?: unknown[]; messages?: unknown[]; statuses?: StatusPayload[]; errors?: unknown[] },
): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: source.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: source.displayPhoneNumber, phone_number_id: source.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/** A status update for `messageId`, with pricing and conversation filled in as Meta does. */
export function statusPayload(
  messageId: string,
  status: StatusPayload['status'],
  recipientId: string,
  at = new Date(),
  errorCode?: number,
): StatusPayload {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const base: StatusPayload = { id: messageId, status, timestamp, recipient_id: recipientId };
  if (status === 'failed') {
    const code = errorCode ?? 131026;
    base.errors = [
      {
        code,
        title: code === 131026 ? 'Message undeliverable' : 'Failure',
        message: code === 131026 ? 'Message undeliverable' : 'Failure',
        error_data: { details: 'Message Undeliverable.' },
        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
      },
    ];
    return base;
  }
  if (status === 'sent' || status === 'delivered') {
    base.conversation = {
      id: `conv_${recipientId}`,
      ...(status === 'sent' ? { expiration_timestamp: String(Number(timestamp) + 86_400) } : {}),
      origin: { type: 'utility' },
    };
    base.pricing = { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' };
  }
  return base;
}

/** An inbound text message (and its contact) as Meta sends it. */
export function inboundText(
  from: string,
  body: string,
  options: { id?: string; name?: string; at?: Date; contextId?: string } = {},
) {
  const message: Record<string, unknown> = {
    from,
    id: options.id ?? `wamid.IN${Math.random().toString(36).slice(2, 14).toUpperCase()}`,
    timestamp: String(Math.floor((options.at ?? new Date()).getTime() / 1000)),
    type: 'text',
    text: { body },
  };
  if (options.contextId) message.context = { from, id: options.contextId };
  return { contacts: [{ profile: { name: options.name ?? 'Customer' }, wa_id: from }], messages: [message] };
}
