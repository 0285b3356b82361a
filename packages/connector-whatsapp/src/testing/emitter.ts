import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { metaJsonStringify } from './meta-json.js';

/** Options of {@link createWebhookEmitter}. */
export interface WebhookEmitterOptions {
  /** Receiver URL (http://). */
  url: string;
  /** App secret the notifications are signed with (HMAC-SHA256). */
  appSecret: string;
  /** Delays between attempts after a non-200 answer or a network error. Meta retries for up to 7 days; tests use ms. */
  retryDelaysMs?: number[];
  /** Per-attempt timeout. Default 5 s. */
  timeoutMs?: number;
}

/** One POST attempt made by the emitter. */
export interface EmitterDelivery {
  body: string;
  signature: string;
  attempt: number;
  /** HTTP status answered, or undefined on a network error or timeout. */
  status: number | undefined;
  durationMs: number;
}

/** Posts signed notifications the way Meta does: escaped JSON, signature over those bytes, retries on non-200. */
export interface WebhookEmitter {
  /** Serialises `payload` as Meta does, signs it and posts it, retrying on non-200. Resolves with the final status. */
  post(payload: unknown, options?: { duplicates?: number }): Promise<number | undefined>;
  /** Posts exact bytes with a signature computed over them (or the given header), once, no retries. */
  postRaw(body: string | Uint8Array, signatureHeader?: string | null): Promise<number | undefined>;
  /**
   * Starts posting `body` (signed) and breaks off mid-upload, as a client whose connection drops does: the
   * whole length is declared, `sendBytes` of it sent (default 40), then the connection is closed (`close`: a
   * FIN), reset (`reset`: an RST), or — `malformed` — the body goes chunked with a broken chunk header. Once,
   * no retries; resolves when the connection is gone.
   */
  postInterrupted(body: string | Uint8Array, options: InterruptedPostOptions): Promise<void>;
  /** Signs `body` as Meta does: `sha256=<lowercase hex>`. */
  sign(body: string | Uint8Array): string;
  /** Every attempt made so far. */
  readonly deliveries: ReadonlyArray<EmitterDelivery>;
  /** Resolves once every post in progress (including its retries) has finished. */
  idle(): Promise<void>;
}

/** How {@link WebhookEmitter.postInterrupted} breaks off. */
export interface InterruptedPostOptions {
  ending: 'close' | 'reset' | 'malformed';
  /** Body bytes sent before breaking off (default 40). */
  sendBytes?: number;
}

/** Creates a webhook emitter posting to `options.url`. */
export function createWebhookEmitter(options: WebhookEmitterOptions): WebhookEmitter {
  const deliveries: EmitterDelivery[] = [];
  const retryDelays = options.retryDelaysMs ?? [50, 200, 1000];
  const pending = new Set<Promise<unknown>>();
  const sign = (body: string | Uint8Array) =>
    `sha256=${createHmac('sha256', options.appSecret).update(body).digest('hex')}`;

  const attempt = (body: string | Uint8Array, signature: string | null): Promise<number | undefined> =>
    new Promise((resolve) => {
      const started = performance.now();
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
      const headers: Record<string, string | number> = {
        'content-type': 'application/json',
        'content-length': bytes.length,
        'user-agent': 'facebookexternalua',
      };
      if (signature !== null) headers['x-hub-signature-256'] = signature;
      const req = request(options.url, { method: 'POST', headers, timeout: options.timeoutMs ?? 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', () => resolve(undefined));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(undefined));
      req.end(bytes);
      void started;
    });

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const deliver = async (body: string): Promise<number | undefined> => {
    const signature = sign(body);
    for (let i = 0; ; i++) {
      const started = performance.now();
      const status = await attempt(body, signature);
      deliveries.push({ body, signature, attempt: i + 1, status, durationMs: performance.now() - started });
      if (status === 200 || i >= retryDelays.length) return status;
      await new Promise((r) => setTimeout(r, retryDelays[i]));
    }
  };

  const interrupted = (bytes: Buffer, signature: string, how: InterruptedPostOptions): Promise<void> =>
    new Promise((resolve) => {
      const url = new URL(options.url);
      const socket = connect(Number(url.port || 80), url.hostname);
      const part = bytes.subarray(0, Math.min(bytes.length, how.sendBytes ?? 40));
      const head = (framing: string) =>
        `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
        `user-agent: facebookexternalua\r\nx-hub-signature-256: ${signature}\r\n${framing}\r\n\r\n`;
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
      // Read (and drop) whatever the receiver answers, so its closing the connection is seen.
      socket.resume();
      socket.setTimeout(options.timeoutMs ?? 5000, () => socket.destroy());
      socket.on('connect', () => {
        if (how.ending === 'malformed') {
          // A valid first chunk, then a chunk size that is not hex: the receiver's HTTP parser refuses it.
          socket.write(head('transfer-encoding: chunked'));
          socket.write(`${part.length.toString(16)}\r\n`);
          socket.write(part);
          socket.write('\r\nzz\r\n');
          return;
        }
        socket.write(head(`content-length: ${bytes.length}`));
        // Written, then broken off once the bytes left: the receiver is mid-body when the connection goes.
        socket.write(part, () => (how.ending === 'reset' ? socket.resetAndDestroy() : socket.destroy()));
      });
    });

  return {
    sign,
    deliveries,
    postInterrupted(body, how) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
      const signature = sign(bytes);
      return track(
        (async () => {
          const started = performance.now();
          await interrupted(bytes, signature, how);
          deliveries.push({
            body: bytes.toString('utf8'),
            signature,
            attempt: 1,
            status: undefined,
            durationMs: performance.now() - started,
          });
        })(),
      );
    },
    post(payload, postOptions = {}) {
      const body = metaJsonStringify(payload);
      const copies = 1 + (postOptions.duplicates ?? 0);
      const all = Array.from({ length: copies }, () => deliver(body));
      return track(Promise.all(all).then((statuses) => statuses[0]));
    },
    postRaw(body, signatureHeader) {
      const signature = signatureHeader === undefined ? sign(body) : signatureHeader;
      return track(
        (async () => {
          const started = performance.now();
          const status = await attempt(body, signature);
          deliveries.push({
            body: typeof body === 'string' ? body : Buffer.from(body).toString('utf8'),
            signature: signature ?? '',
            attempt: 1,
            status,
            durationMs: performance.now() - started,
          });
          return status;
        })(),
      );
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
