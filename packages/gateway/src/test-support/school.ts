// Test support (not part of the package's API): a connector whose schemas mark personal data, for the privacy tests
// (a school messaging guardians, as in the WhatsApp seed).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { defineConnector, operationsFor } from '@relaykit/sdk-core';

const op = operationsFor<{ secret: string }>();

/** Marked fields: `to` (phone), `email`, `name`, `guardianId` (id), `text` (free text); `holdMs` keeps a job running. */
export const schoolConnector = defineConnector({
  name: 'school',
  version: '1.0.0',
  description: 'A test connector sending messages to guardians; its schemas mark personal data.',
  config: z.object({ webhookSecret: z.string().default('whsec') }),
  setup: (ctx) => ({ secret: ctx.config.webhookSecret }),
  operations: {
    message: op({
      description: 'Sends a message to a guardian.',
      idempotent: true,
      input: z.object({
        to: z.string().min(1).meta({ pii: 'phone' }),
        email: z.string().optional().meta({ pii: 'email' }),
        name: z.string().optional().meta({ pii: 'name' }),
        guardianId: z.string().optional().meta({ pii: 'id' }),
        text: z.string().optional().meta({ pii: 'freeText' }),
        holdMs: z.number().int().min(0).max(60_000).optional(),
        fail: z.boolean().optional(),
      }),
      output: z.object({
        sent: z.literal(true),
        to: z.string().meta({ pii: 'phone' }),
        name: z.string().optional().meta({ pii: 'name' }),
      }),
      async run(ctx, input) {
        if (input.holdMs)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, input.holdMs);
            ctx.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                resolve();
              },
              { once: true },
            );
          });
        if (input.fail) throw new Error(`could not reach ${input.name ?? ''} at ${input.to}`);
        return { sent: true as const, to: input.to, ...(input.name ? { name: input.name } : {}) };
      },
    }),
  },
  webhooks: {
    replies: {
      description: 'Signed replies from guardians: X-Signature is hex HMAC-SHA256 of the raw body.',
      verify(ctx, req) {
        const expected = createHmac('sha256', ctx.state.secret).update(req.rawBody).digest();
        const given = Buffer.from(req.headers['x-signature'] ?? '', 'hex');
        return given.length === expected.length && timingSafeEqual(given, expected);
      },
      parse: (_ctx, req) =>
        (
          JSON.parse(Buffer.from(req.rawBody).toString()) as {
            events: Array<{ id: string; from: string; text: string }>;
          }
        ).events,
      dedupeKey: (event: { id: string }) => event.id,
      event: z
        .object({
          from: z.string().optional().meta({ pii: 'phone' }),
          profileName: z.string().optional().meta({ pii: 'name' }),
          text: z.string().optional().meta({ pii: 'freeText' }),
        })
        .loose(),
      async handle() {},
    },
  },
});
