import { z } from 'zod';

/** Reply context: the message being answered. */
export const Context = z.object({ message_id: z.string().min(1) });

const envelope = {
  messaging_product: z.literal('whatsapp').default('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  /** Recipient: E.164 or any form the configured default region understands; normalised before sending. */
  to: z.string().min(1),
  context: Context.optional(),
};

const mediaRef = z.object({ id: z.string().min(1).optional(), link: z.url({ protocol: /^https?$/ }).optional() });
const exactlyOne = (m: { id?: string | undefined; link?: string | undefined }) =>
  (m.id === undefined) !== (m.link === undefined);
const oneOf = { message: 'give exactly one of id (uploaded media) or link, never both' };
// The refinement, said in JSON Schema: the OpenAPI document generated from these schemas carries it.
const exactlyOneSchema = { oneOf: [{ required: ['id'] }, { required: ['link'] }] };

/** A media object: `id` of uploaded media **or** a public `link`, never both. */
export const MediaObject = mediaRef
  .extend({ caption: z.string().max(1024).optional() })
  .refine(exactlyOne, oneOf)
  .meta(exactlyOneSchema);
/** A document also carries a `filename`. */
export const DocumentObject = mediaRef
  .extend({ caption: z.string().max(1024).optional(), filename: z.string().max(240).optional() })
  .refine(exactlyOne, oneOf)
  .meta(exactlyOneSchema);
/** Audio and stickers take no caption. */
export const BareMediaObject = mediaRef.refine(exactlyOne, oneOf).meta(exactlyOneSchema);
/** The media object of each media message type. */
export const MediaObjectByKind = {
  image: MediaObject,
  video: MediaObject,
  audio: BareMediaObject,
  sticker: BareMediaObject,
  document: DocumentObject,
} as const;
/** A media kind the Cloud API sends (`image`, `video`, `audio`, `sticker`, `document`). */
export type MediaKind = keyof typeof MediaObjectByKind;
/**
 * A media object before its kind is known (the `sendMedia` operation's input): `id` or `link`,
 * never both, with an optional caption and filename. Check it against
 * {@link MediaObjectByKind} once the kind is known.
 */
export const AnyMediaObject = mediaRef
  .extend({ caption: z.string().max(1024).optional(), filename: z.string().max(240).optional() })
  .refine(exactlyOne, oneOf)
  .meta(exactlyOneSchema);

/** Template parameters (body, header). `parameter_name` is set for templates with named parameters. */
export const TemplateParameter = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    text: z.string().min(1).max(32768),
    parameter_name: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .optional(),
  }),
  z.object({
    type: z.literal('currency'),
    currency: z.object({
      fallback_value: z.string().min(1),
      code: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code'),
      amount_1000: z.number().int(),
    }),
    parameter_name: z.string().optional(),
  }),
  z.object({
    type: z.literal('date_time'),
    date_time: z.object({ fallback_value: z.string().min(1) }),
    parameter_name: z.string().optional(),
  }),
  z.object({ type: z.literal('image'), image: BareMediaObject }),
  z.object({ type: z.literal('video'), video: BareMediaObject }),
  z.object({ type: z.literal('document'), document: DocumentObject }),
  z.object({
    type: z.literal('location'),
    location: z.object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    }),
  }),
]);

/** Parameters of a template button. */
export const ButtonParameter = z.discriminatedUnion('type', [
  z.object({ type: z.literal('payload'), payload: z.string().min(1).max(1000) }),
  z.object({ type: z.literal('text'), text: z.string().min(1) }),
  z.object({ type: z.literal('coupon_code'), coupon_code: z.string().min(1).max(15) }),
  z.object({ type: z.literal('action'), action: z.record(z.string(), z.unknown()) }),
]);

/** Template components with their parameters. */
export const TemplateComponent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), parameters: z.array(TemplateParameter).min(1) }),
  z.object({ type: z.literal('body'), parameters: z.array(TemplateParameter) }),
  z.object({
    type: z.literal('button'),
    sub_type: z.enum(['quick_reply', 'url', 'copy_code', 'flow', 'catalog']),
    index: z.string().regex(/^\d+$/),
    parameters: z.array(ButtonParameter),
  }),
]);

/** `template` object of a template message. */
export const TemplateObject = z.object({
  name: z.string().min(1).max(512),
  language: z.object({ code: z.string().min(2), policy: z.literal('deterministic').optional() }),
  components: z.array(TemplateComponent).optional(),
});

const replyButton = z.object({
  type: z.literal('reply'),
  reply: z.object({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) }),
});
const interactiveHeader = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string().min(1).max(60) }),
  z.object({ type: z.literal('image'), image: BareMediaObject }),
  z.object({ type: z.literal('video'), video: BareMediaObject }),
  z.object({ type: z.literal('document'), document: DocumentObject }),
]);
const listRow = z.object({
  id: z.string().min(1).max(200),
  title: z.string().min(1).max(24),
  description: z.string().max(72).optional(),
});
const listSection = z.object({ title: z.string().max(24).optional(), rows: z.array(listRow).min(1) });

/** Interactive reply buttons (1–3) or a list (≤ 10 rows in all), with Meta's length limits. */
export const InteractiveObject = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('button'),
    header: interactiveHeader.optional(),
    body: z.object({ text: z.string().min(1).max(1024) }),
    footer: z.object({ text: z.string().min(1).max(60) }).optional(),
    action: z
      .object({ buttons: z.array(replyButton).min(1).max(3) })
      .refine((a) => new Set(a.buttons.map((b) => b.reply.id)).size === a.buttons.length, {
        message: 'button ids must be unique',
        path: ['buttons'],
      }),
  }),
  z.object({
    type: z.literal('list'),
    header: z.object({ type: z.literal('text'), text: z.string().min(1).max(60) }).optional(),
    body: z.object({ text: z.string().min(1).max(4096) }),
    footer: z.object({ text: z.string().min(1).max(60) }).optional(),
    action: z
      .object({ button: z.string().min(1).max(20), sections: z.array(listSection).min(1).max(10) })
      .refine((a) => a.sections.reduce((n, s) => n + s.rows.length, 0) <= 10, {
        message: 'a list has at most 10 rows in all',
        path: ['sections'],
      })
      .refine((a) => a.sections.length === 1 || a.sections.every((s) => s.title), {
        message: 'every section needs a title when there are several',
        path: ['sections'],
      })
      .refine(
        (a) =>
          new Set(a.sections.flatMap((s) => s.rows.map((r) => r.id))).size ===
          a.sections.reduce((n, s) => n + s.rows.length, 0),
        { message: 'row ids must be unique', path: ['sections'] },
      ),
  }),
]);

/** Every outgoing message the connector sends, in the Cloud API's own shape. */
export const OutgoingMessage = z.discriminatedUnion('type', [
  z.object({
    ...envelope,
    type: z.literal('text'),
    text: z.object({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() }),
  }),
  z.object({ ...envelope, type: z.literal('template'), template: TemplateObject }),
  z.object({ ...envelope, type: z.literal('interactive'), interactive: InteractiveObject }),
  z.object({ ...envelope, type: z.literal('image'), image: MediaObject }),
  z.object({ ...envelope, type: z.literal('video'), video: MediaObject }),
  z.object({ ...envelope, type: z.literal('audio'), audio: BareMediaObject }),
  z.object({ ...envelope, type: z.literal('sticker'), sticker: BareMediaObject }),
  z.object({ ...envelope, type: z.literal('document'), document: DocumentObject }),
  z.object({
    ...envelope,
    type: z.literal('reaction'),
    reaction: z.object({ message_id: z.string().min(1), emoji: z.string() }),
  }),
  z.object({
    ...envelope,
    type: z.literal('location'),
    location: z.object({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      name: z.string().optional(),
      address: z.string().optional(),
    }),
  }),
]);

/** An outgoing message as the caller writes it (`messaging_product` may be left out). */
export type OutgoingMessageInput = z.input<typeof OutgoingMessage>;
/** An outgoing message after validation. */
export type OutgoingMessage = z.output<typeof OutgoingMessage>;
/** A template message. */
export type TemplateMessage = Extract<OutgoingMessage, { type: 'template' }>;

/** The 200 answer to a send. */
export const SendResponse = z.object({
  messaging_product: z.literal('whatsapp'),
  contacts: z.array(z.object({ input: z.string(), wa_id: z.string() })).default([]),
  messages: z.array(z.object({ id: z.string(), message_status: z.string().optional() })).min(1),
});
