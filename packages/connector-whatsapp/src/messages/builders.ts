import type { z } from 'zod';
import type { ButtonParameter, OutgoingMessageInput, TemplateParameter } from './schema.js';

type Param = z.input<typeof TemplateParameter>;
/** Options every message builder takes. */
export type MessageOptions = {
  /** The `wamid` of the message this one answers (sent as `context.message_id`). */
  replyTo?: string | undefined;
};
const ctx = (o: MessageOptions) => (o.replyTo ? { context: { message_id: o.replyTo } } : {});
/** Media by uploaded `id` or by public `link`, never both. */
export type MediaRef = { id: string; link?: never } | { link: string; id?: never };

/** Template parameter builders (`param.text('Sita')`, `param.currency(1500.5, 'NPR', 'रु 1,500.50')`, ...). */
export const param = {
  /** A text parameter; `name` makes it a named parameter (`{{student_name}}`). */
  text: (text: string, name?: string): Param => ({ type: 'text', text, ...(name ? { parameter_name: name } : {}) }),
  /** A currency amount; `amount` in major units is sent as `amount_1000` (× 1000, rounded). */
  currency: (amount: number, code: string, fallback: string, name?: string): Param => ({
    type: 'currency',
    currency: { fallback_value: fallback, code, amount_1000: Math.round(amount * 1000) },
    ...(name ? { parameter_name: name } : {}),
  }),
  /** A date/time shown as `fallback` (Meta no longer localises it). */
  dateTime: (fallback: string, name?: string): Param => ({
    type: 'date_time',
    date_time: { fallback_value: fallback },
    ...(name ? { parameter_name: name } : {}),
  }),
  /** An image header parameter. */
  image: (media: MediaRef): Param => ({ type: 'image', image: media }),
  /** A video header parameter. */
  video: (media: MediaRef): Param => ({ type: 'video', video: media }),
  /** A document header parameter. */
  document: (media: MediaRef & { filename?: string }): Param => ({ type: 'document', document: media }),
};

/** What {@link message.template} takes beyond name and language. */
export interface TemplateOptions extends MessageOptions {
  /** Header parameter (an image for a media header, or text). */
  header?: Param;
  /** Body parameters, positional (array) or named (object: `{ student_name: 'Sita' }`). */
  body?: Param[] | Record<string, string | Param>;
  /** Button parameters, by button index. */
  buttons?: Array<{
    /** The button's kind as defined in the template. */
    subType: 'quick_reply' | 'url' | 'copy_code' | 'flow' | 'catalog';
    /** Position of the button in the template (0-based). */
    index: number;
    /** Its parameters (a quick-reply payload, a URL suffix, a coupon code, ...). */
    parameters: Array<z.input<typeof ButtonParameter>>;
  }>;
}

/** Builders for every outgoing message type; the results validate against `OutgoingMessage`. */
export const message = {
  /** A text message (≤ 4,096 characters; only inside the 24-hour window). */
  text: (to: string, body: string, options: MessageOptions & { previewUrl?: boolean } = {}): OutgoingMessageInput => ({
    to,
    type: 'text',
    text: { body, ...(options.previewUrl !== undefined ? { preview_url: options.previewUrl } : {}) },
    ...ctx(options),
  }),

  /** A template message with header, body (positional or named) and button parameters. */
  template: (to: string, name: string, language: string, options: TemplateOptions = {}): OutgoingMessageInput => {
    const components: NonNullable<Extract<OutgoingMessageInput, { type: 'template' }>['template']['components']> = [];
    if (options.header) components.push({ type: 'header', parameters: [options.header] });
    if (options.body) {
      const parameters = Array.isArray(options.body)
        ? options.body
        : Object.entries(options.body).map(([k, v]) =>
            typeof v === 'string' ? param.text(v, k) : ({ ...v, parameter_name: k } as Param),
          );
      components.push({ type: 'body', parameters });
    }
    for (const b of options.buttons ?? [])
      components.push({ type: 'button', sub_type: b.subType, index: String(b.index), parameters: b.parameters });
    return {
      to,
      type: 'template',
      template: {
        name,
        language: { code: language, policy: 'deterministic' },
        ...(components.length ? { components } : {}),
      },
      ...ctx(options),
    };
  },

  /** Up to 3 reply buttons (`id` ≤ 256, `title` ≤ 20 characters). */
  buttons: (
    to: string,
    body: string,
    buttons: Array<{ id: string; title: string }>,
    options: MessageOptions & { header?: string; footer?: string } = {},
  ): OutgoingMessageInput => ({
    to,
    type: 'interactive',
    interactive: {
      type: 'button',
      ...(options.header ? { header: { type: 'text', text: options.header } } : {}),
      body: { text: body },
      ...(options.footer ? { footer: { text: options.footer } } : {}),
      action: { buttons: buttons.map((b) => ({ type: 'reply', reply: b })) },
    },
    ...ctx(options),
  }),

  /** A list (≤ 10 rows in all; row title ≤ 24, description ≤ 72; `button` label ≤ 20). */
  list: (
    to: string,
    body: string,
    button: string,
    sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>,
    options: MessageOptions & { header?: string; footer?: string } = {},
  ): OutgoingMessageInput => ({
    to,
    type: 'interactive',
    interactive: {
      type: 'list',
      ...(options.header ? { header: { type: 'text', text: options.header } } : {}),
      body: { text: body },
      ...(options.footer ? { footer: { text: options.footer } } : {}),
      action: { button, sections },
    },
    ...ctx(options),
  }),

  /** Media by uploaded `id` or public `link` (never both). */
  media: (
    to: string,
    kind: 'image' | 'video' | 'audio' | 'sticker' | 'document',
    media: MediaRef & { caption?: string; filename?: string },
    options: MessageOptions = {},
  ): OutgoingMessageInput => ({ to, type: kind, [kind]: media, ...ctx(options) }) as OutgoingMessageInput,

  /** A reaction (`emoji`, or `''` to remove one) to the message `messageId`. */
  reaction: (to: string, messageId: string, emoji: string): OutgoingMessageInput => ({
    to,
    type: 'reaction',
    reaction: { message_id: messageId, emoji },
  }),
};
