import type { IdempotencyStore } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { expect, it } from 'vitest';
import { metaJsonStringify } from '../../testing/meta-json.js';
import { buildNotification, inboundText, statusPayload } from '../../testing/notifications.js';
import type { DedupeStore } from '../../webhooks/dedupe.js';
import type { WhatsAppEvent } from '../../webhooks/events.js';
import { createWebhookHandler } from '../../webhooks/handler.js';
import { signWebhookBody } from '../../webhooks/signature.js';

/** A promise (`opened`) the test resolves when it chooses (`open()`). */
function latch(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

const appSecret = 'shh';
const verifyToken = 'verify-me';
const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '977980' };
const post = (raw: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(raw, appSecret) },
  query: {},
  rawBody: Buffer.from(raw),
});

/**
 * An ACK (200) must mean the events are stored: shared by the memory and Redis stores.
 * `store()` gives a store on a fresh namespace; two handlers over one store stand for two receiver
 * processes (or one restarted).
 */
export function acksOnlyWhatIsStored(store: () => IdempotencyStore | DedupeStore) {
  it('onEvents throwing once: 500, the claims are released, and the retry is processed', async () => {
    const dedupe = store();
    let fail = true;
    const stored: WhatsAppEvent[] = [];
    const h = createWebhookHandler({
      appSecret,
      verifyToken,
      dedupe,
      onEvents: (events) => {
        if (fail) {
          fail = false;
          throw new Error('db down');
        }
        stored.push(...events);
      },
    });
    const raw = metaJsonStringify(
      buildNotification(source, {
        ...inboundText('9779812345678', 'नमस्ते', { id: 'wamid.IN1' }),
        statuses: [statusPayload('wamid.B', 'sent', '977981')],
      }),
    );
    expect(await h.handle(post(raw))).toMatchObject({ status: 500, rejected: 'store' });
    const retry = await h.handle(post(raw));
    expect(retry).toMatchObject({ status: 200, duplicates: 0 });
    expect(stored.map((e) => e.kind)).toEqual(['message', 'status']);
    // Stored now: a further delivery is a duplicate and never reaches onEvents again.
    expect(await h.handle(post(raw))).toMatchObject({ status: 200, duplicates: 2, events: [] });
    expect(stored).toHaveLength(2);
    await dedupe.close();
  });

  it('a receiver dying between claim and store: duplicates get 503 during its lease, the retry after it is processed', async () => {
    const dedupe = store();
    const inOnEvents = latch();
    // The first receiver hangs forever inside onEvents, as a process killed mid-way would.
    const dying = createWebhookHandler({
      appSecret,
      verifyToken,
      dedupe,
      dedupeLeaseMs: 150,
      onEvents: () => {
        inOnEvents.open();
        return new Promise<void>(() => undefined);
      },
    });
    const stored: WhatsAppEvent[] = [];
    const survivor = createWebhookHandler({
      appSecret,
      verifyToken,
      dedupe,
      dedupeLeaseMs: 150,
      onEvents: (events) => {
        stored.push(...events);
      },
    });
    const raw = metaJsonStringify(
      buildNotification(source, { statuses: [statusPayload('wamid.C', 'delivered', '977981')] }),
    );
    void dying.handle(post(raw));
    await inOnEvents.opened;
    // Its outcome is unknown: never ACK it as a duplicate.
    expect(await survivor.handle(post(raw))).toMatchObject({
      status: 503,
      rejected: 'in_progress',
      inProgress: 1,
      events: [],
    });
    // Until the lease runs out every retry is told to come back; the first one after it is processed.
    const retry = await waitFor(async () => {
      const answer = await survivor.handle(post(raw));
      if (answer.status === 503) expect(answer).toMatchObject({ inProgress: 1, events: [] });
      return answer.status !== 503 && answer;
    }, 'the dead receiver’s lease to run out');
    expect(retry).toMatchObject({ status: 200, duplicates: 0 });
    expect(stored.map((e) => e.kind === 'status' && e.status.messageId)).toEqual(['wamid.C']);
    await dedupe.close();
  });

  it('a receiver that outlived its lease and then failed leaves the next receiver’s claim alone', async () => {
    const dedupe = store();
    const raw = metaJsonStringify(
      buildNotification(source, { statuses: [statusPayload('wamid.D', 'read', '977981')] }),
    );
    const failing = latch();
    const inSlow = latch();
    // The first receiver is slower than its lease, then fails to store.
    const slow = createWebhookHandler({
      appSecret,
      verifyToken,
      dedupe,
      dedupeLeaseMs: 100,
      onEvents: async () => {
        inSlow.open();
        await failing.opened;
        throw new Error('db down');
      },
    });
    const finishing = latch();
    const inNext = latch();
    const stored: WhatsAppEvent[] = [];
    const next = createWebhookHandler({
      appSecret,
      verifyToken,
      dedupe,
      onEvents: async (events) => {
        inNext.open();
        await finishing.opened;
        stored.push(...events);
      },
    });
    const first = slow.handle(post(raw));
    await inSlow.opened;
    // Meta's retry after the lease ran out is claimed by the next receiver, which is still storing it.
    let second: Promise<unknown> | undefined;
    await waitFor(async () => {
      const probe = next.handle(post(raw));
      // A 503 while the lease lasts; once it ran out, the delivery is claimed and reaches onEvents.
      if ((await Promise.race([probe, inNext.opened.then(() => 'storing' as const)])) === 'storing') second = probe;
      return second !== undefined;
    }, 'the slow receiver’s lease to run out');
    failing.open();
    expect(await first).toMatchObject({ status: 500, rejected: 'store' });
    // The slow receiver's release must not have dropped the claim the next receiver holds: a third delivery waits.
    const third = createWebhookHandler({
      appSecret,
      verifyToken,
      dedupe,
      onEvents: (events) => {
        stored.push(...events);
      },
    });
    expect(await third.handle(post(raw))).toMatchObject({ status: 503, rejected: 'in_progress', inProgress: 1 });
    finishing.open();
    expect(await second).toMatchObject({ status: 200, duplicates: 0 });
    expect(stored).toHaveLength(1);
    await dedupe.close();
  });
}
