import type { ConnectorPrivacy } from '@relaykit/sdk-core';
import { recipientDigits, type StatusTracker } from '../webhooks/tracker.js';

/** What the privacy hooks need of an instance's state. */
export interface TrackerState {
  tracker: StatusTracker;
}

/**
 * Subject access, erasure and retention of what the connector keeps itself: message delivery statuses (class
 * `statuses`: message id, status, time, error codes and the recipient's WhatsApp id), in the runtime's database, Redis
 * or memory. A subject's statuses are found by their phone numbers (a WhatsApp id is the number's digits); erasure
 * deletes them (a status says nothing another system refers to). Messages and inbound events themselves are the
 * runtime's job records, covered by the runtime.
 */
export const whatsAppPrivacy: ConnectorPrivacy<TrackerState> = {
  classes: {
    statuses: {
      description: 'Delivery status of each message sent (sent/delivered/read/failed) and its recipient',
      defaultKeepMs: 30 * 24 * 3600_000,
    },
  },
  async *access(ctx, subject) {
    for (const phone of subject.phones) {
      for (const status of await ctx.state.tracker.byRecipient(phone))
        yield {
          class: 'statuses',
          source: {
            ...ctx.state.tracker.location,
            id: status.messageId,
            columns: ['status', 'ts', 'error_codes', 'recipient'],
          },
          data: status,
        };
    }
  },
  async erase(ctx, subject) {
    let statuses = 0;
    const seen = new Set<string>();
    for (const phone of subject.phones) {
      const digits = recipientDigits(phone);
      if (!digits || seen.has(digits)) continue;
      seen.add(digits);
      statuses += await ctx.state.tracker.forgetRecipient(digits);
    }
    return { statuses };
  },
  async purge(ctx, cutoffs) {
    const counts: Record<string, number> = {};
    if (cutoffs.statuses) counts.statuses = await ctx.state.tracker.purge(cutoffs.statuses);
    return counts;
  },
};
