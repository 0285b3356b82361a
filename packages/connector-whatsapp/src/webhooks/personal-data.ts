import { z } from 'zod';

const phone = z.unknown().optional().meta({ pii: 'phone' });
const name = z.unknown().optional().meta({ pii: 'name' });
const text = z.unknown().optional().meta({ pii: 'freeText' });
const id = z.unknown().optional().meta({ pii: 'id' });

/**
 * Where a parsed {@link WhatsAppEvent} holds personal data, as `.meta({ pii })` marks: the sender's and recipient's
 * WhatsApp ids (phone numbers), the profile name, and what a message says (its content, and the raw objects that
 * repeat it). Loose: describes events, never validates them.
 */
export const WhatsAppEventMarks = z
  .object({
    contact: z.object({ name, waId: phone, userId: id }).loose().optional(),
    message: z
      .object({
        from: phone,
        context: z.object({ from: phone }).loose().optional(),
        text,
        image: text,
        video: text,
        audio: text,
        document: text,
        sticker: text,
        location: text,
        contacts: text,
        interactive: text,
        button: text,
        reaction: text,
        order: text,
        raw: text,
      })
      .loose()
      .optional(),
    status: z.object({ recipientId: phone }).loose().optional(),
    raw: text,
    value: text,
  })
  .loose();
