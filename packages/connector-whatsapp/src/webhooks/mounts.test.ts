import { spawnTsxWorker, type TsxWorker } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookEmitter, type WebhookEmitter } from '../testing/emitter.js';
import { metaJsonStringify } from '../testing/meta-json.js';
import { buildNotification, statusPayload } from '../testing/notifications.js';
import { MAX_WEBHOOK_BYTES } from './handler.js';

const appSecret = 'mount-secret';
const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '977980' };
const notification = (id: string) =>
  metaJsonStringify(buildNotification(source, { statuses: [statusPayload(id, 'delivered', '9779811111111')] }));

// Every mount the README documents, each in its own process: a webhook URL is reachable by anyone, so no request
// — however it ends — may stop the receiver.
describe.each(['node', 'express', 'koa'])('%s mount of nodeWebhookListener', (mount) => {
  let worker: TsxWorker;
  let emitter: WebhookEmitter;
  let url: string;
  let alive = true;

  beforeAll(async () => {
    worker = spawnTsxWorker({
      script: new URL('../test-support/workers/mounts.worker.ts', import.meta.url),
      args: [mount],
      env: { APP_SECRET: appSecret },
    });
    void worker.exited.then(() => {
      alive = false;
    });
    const { port } = JSON.parse(await worker.waitForLine(/"port"/)) as { port: number };
    url = `http://127.0.0.1:${port}/webhooks/whatsapp`;
    emitter = createWebhookEmitter({ url, appSecret, retryDelaysMs: [] });
  });
  afterAll(async () => {
    worker.end();
    await worker.finished();
  });

  /** The receiver is still up: it answers a valid signed notification, then a round trip through its stdin. */
  const stillAnswers = async (id: string) => {
    expect(await emitter.postRaw(notification(id))).toBe(200);
    const seen = worker.lines.length;
    worker.send('ping');
    await worker.waitForLine((line) => line === 'pong' && worker.lines.indexOf(line, seen) >= seen);
    expect(alive, worker.stderr).toBe(true);
  };

  it.each(['close', 'reset', 'malformed'] as const)(
    'survives a client that breaks off mid-body (%s) and answers the next request',
    async (ending) => {
      const body = notification(`wamid.${ending}`);
      expect(Buffer.byteLength(body)).toBeGreaterThan(40);
      await emitter.postInterrupted(body, { ending, sendBytes: 40 });
      await stillAnswers(`wamid.after-${ending}`);
    },
  );

  it('answers 413 to a body over the cap sent without a length, without buffering it, and lives on', async () => {
    let sent = 0;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
      // A stream has no length: the body goes chunked, so only counting can bound it.
      body: new ReadableStream({
        pull(controller) {
          if (sent > MAX_WEBHOOK_BYTES + 1024 * 1024) return controller.close();
          sent += 256 * 1024;
          controller.enqueue(new Uint8Array(256 * 1024).fill(32));
        },
      }),
      duplex: 'half',
    } as RequestInit).catch(() => undefined);
    // The receiver stops reading at the cap and closes: the client sees the 413 or, still uploading, a reset.
    if (res) expect(res.status).toBe(413);
    await stillAnswers('wamid.after-oversize');
  });
});
