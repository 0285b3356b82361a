// Test support (not part of the package's API): a connector whose schemas mark personal data, for the privacy tests
// (a school messaging guardians, as in the WhatsApp seed).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { defineConnector, operationsFor, type ConnectorPrivacy } from '@relaykit/sdk-core';
import { repliersStore, type RepliersStore } from './school-repliers.js';

interface SchoolState {
  secret: string;
  repliers: RepliersStore;
}

const op = operationsFor<SchoolState>();

/**
 * What the school connector keeps itself (class `repliers`: who replied, from which phone, when), reached by the
 * gateway's subject access, erasure and retention through the connector contract alone.
 */
const schoolPrivacy: ConnectorPrivacy<SchoolState> = {
  classes: { repliers: { description: 'Guardians who replied: phone, profile name and when', defaultKeepMs: null } },
  async *access(ctx, subject) {
    for (const phone of subject.phones)
      for (const r of await ctx.state.repliers.byPhone(phone))
        yield {
          class: 'repliers',
          source: { ...ctx.state.repliers.location, id: r.eventId, columns: ['phone', 'name', 'seen_at'] },
          data: { phone: r.phone, name: r.name, seenAt: r.seenAt.toISOString() },
        };
  },
  async erase(ctx, subject) {
    let repliers = 0;
    for (const phone of subject.phones) repliers += await ctx.state.repliers.forgetPhone(phone);
    return { repliers };
  },
  async purge(ctx, cutoffs): Promise<Record<string, number>> {
    return cutoffs.repliers ? { repliers: await ctx.state.repliers.purge(cutoffs.repliers) } : {};
  },
};

/** Marked fields: `to` (phone), `email`, `name`, `guardianId` (id), `text` (free text); `holdMs` keeps a job running. */
export const schoolConnector = defineConnector({
  name: 'school',
  version: '1.0.0',
  description: 'A test connector sending messages to guardians; its schemas mark personal data.',
  config: z.object({ webhookSecret: z.string().default('whsec') }),
  setup: (ctx) => ({ secret: ctx.config.webhookSecret, repliers: repliersStore(ctx.instance, ctx.database) }),
  privacy: schoolPrivacy,
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
            events: Array<{ id: string; from: string; text: string; profileName?: string }>;
          }
        ).events,
      dedupeKey: (event: { id: string }) => event.id,
      event: z
        .object({
          id: z.string(),
          from: z.string().optional().meta({ pii: 'phone' }),
          profileName: z.string().optional().meta({ pii: 'name' }),
          text: z.string().optional().meta({ pii: 'freeText' }),
        })
        .loose(),
      async handle(ctx, event) {
        if (event.from)
          await ctx.state.repliers.add({
            eventId: event.id,
            phone: event.from,
            name: event.profileName ?? null,
            seenAt: new Date(),
          });
      },
    },
  },
});
