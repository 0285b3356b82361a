import { z } from 'zod';

/** Contact of an inbound message's sender. `wa_id` may be empty for username users. */
export const WebhookContact = z
  .object({
    profile: z.object({ name: z.string().optional() }).loose().optional(),
    wa_id: z.string().optional(),
    user_id: z.string().optional(),
  })
  .loose();

/** An error in `value.errors[]` or `statuses[].errors[]`. */
export const WebhookErrorSchema = z
  .object({
    code: z.number(),
    title: z.string().optional(),
    message: z.string().optional(),
    error_data: z.object({ details: z.string().optional() }).loose().optional(),
    href: z.string().optional(),
  })
  .loose();

/** One `statuses[]` item. */
export const WebhookStatus = z
  .object({
    id: z.string(),
    status: z.string(),
    timestamp: z.string(),
    recipient_id: z.string().optional(),
    conversation: z
      .object({
        id: z.string(),
        expiration_timestamp: z.string().optional(),
        origin: z.object({ type: z.string() }).loose().optional(),
      })
      .loose()
      .optional(),
    pricing: z
      .object({
        billable: z.boolean().optional(),
        pricing_model: z.string().optional(),
        category: z.string().optional(),
        type: z.string().optional(),
      })
      .loose()
      .optional(),
    errors: z.array(WebhookErrorSchema).optional(),
  })
  .loose();

const media = z
  .object({
    id: z.string(),
    mime_type: z.string().optional(),
    sha256: z.string().optional(),
    caption: z.string().optional(),
    filename: z.string().optional(),
    url: z.string().optional(),
  })
  .loose();

/** The type-specific part of each inbound message type we know. */
export const InboundContent = {
  text: z.object({ text: z.object({ body: z.string() }) }),
  interactive: z.object({
    interactive: z.discriminatedUnion('type', [
      z.object({ type: z.literal('button_reply'), button_reply: z.object({ id: z.string(), title: z.string() }) }),
      z.object({
        type: z.literal('list_reply'),
        list_reply: z.object({ id: z.string(), title: z.string(), description: z.string().optional() }),
      }),
      z.object({
        type: z.literal('nfm_reply'),
        nfm_reply: z.object({ response_json: z.string(), body: z.string().optional(), name: z.string().optional() }),
      }),
    ]),
  }),
  button: z.object({ button: z.object({ payload: z.string(), text: z.string() }) }),
  image: z.object({ image: media }),
  audio: z.object({ audio: media.extend({ voice: z.boolean().optional() }) }),
  video: z.object({ video: media }),
  document: z.object({ document: media }),
  sticker: z.object({ sticker: media.extend({ animated: z.boolean().optional() }) }),
  location: z.object({
    location: z.object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
      url: z.string().optional(),
    }),
  }),
  contacts: z.object({
    contacts: z.array(z.object({ name: z.object({ formatted_name: z.string() }).loose() }).loose()),
  }),
  reaction: z.object({ reaction: z.object({ message_id: z.string(), emoji: z.string().optional() }) }),
  order: z.object({
    order: z.object({
      catalog_id: z.string(),
      product_items: z.array(
        z
          .object({
            product_retailer_id: z.string(),
            quantity: z.union([z.number(), z.string()]),
            item_price: z.union([z.number(), z.string()]),
            currency: z.string(),
          })
          .loose(),
      ),
      text: z.string().optional(),
    }),
  }),
} as const;

/** Fields every inbound message has. */
export const InboundBase = z
  .object({
    from: z.string(),
    id: z.string(),
    timestamp: z.string(),
    type: z.string(),
    context: z
      .object({
        from: z.string().optional(),
        id: z.string().optional(),
        forwarded: z.boolean().optional(),
        frequently_forwarded: z.boolean().optional(),
      })
      .loose()
      .optional(),
    errors: z.array(WebhookErrorSchema).optional(),
  })
  .loose();

/** `value` of a `messages` change. Messages and statuses are checked one by one afterwards, so one odd item never drops the rest. */
export const MessagesValue = z
  .object({
    messaging_product: z.literal('whatsapp'),
    metadata: z.object({ display_phone_number: z.string(), phone_number_id: z.string() }).loose(),
    contacts: z.array(WebhookContact).optional(),
    messages: z.array(z.unknown()).optional(),
    statuses: z.array(z.unknown()).optional(),
    errors: z.array(WebhookErrorSchema).optional(),
  })
  .loose();

/** The notification envelope. */
export const WebhookNotification = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.object({ id: z.string(), changes: z.array(z.object({ field: z.string(), value: z.unknown() })) })),
});
