import { expect, it } from 'vitest';
import { metaJsonStringify } from '../testing/meta-json.js';
import { buildNotification, inboundText, statusPayload } from '../testing/notifications.js';
import type { DedupeStore } from './dedupe.js';
import type { WhatsAppEvent } from './events.js';
import { createWebhookHandler } from './handler.js';
import { signWebhookBody } from './signature.js';

const appSecret = 'shh';
const verifyToken = 'verify-me';
const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '977980' };
const post = (raw: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(raw, appSecret) },
  query: {},
  rawBody: Buffer.from(raw),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An ACK (200) must mean the events are stored: shared by the memory and Redis dedupe stores.
 * `store()` gives a store on a fresh namespace; two handlers over one store stand for two receiver
 * processes (or one restarted).
 */
export function acksOnlyWhatIsStored(store: () => DedupeStore) {
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
    let entered!: () => void;
    const inOnEvents = new Promise<void>((r) => {
      entered = r;
    });
    // The first receiver hangs forever inside onEvents, as a process killed mid-way would.
    const dying = createWebhookHandler({
      appSecret,
      verifyToken,
      dedupe,
      dedupeLeaseMs: 150,
      onEvents: () => {
        entered();
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
    await inOnEvents;
    // Its outcome is unknown: never ACK it as a duplicate.
    expect(await survivor.handle(post(raw))).toMatchObject({
      status: 503,
      rejected: 'in_progress',
      inProgress: 1,
      events: [],
    });
    await sleep(250);
    const retry = await survivor.handle(post(raw));
    expect(retry).toMatchObject({ status: 200, duplicates: 0 });
    expect(stored.map((e) => e.kind === 'status' && e.status.messageId)).toEqual(['wamid.C']);
    await dedupe.close();
  });
}
