import { createHmac } from 'node:crypto';
import { request } from 'node:http';
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
  /** Signs `body` as Meta does: `sha256=<lowercase hex>`. */
  sign(body: string | Uint8Array): string;
  /** Every attempt made so far. */
  readonly deliveries: ReadonlyArray<EmitterDelivery>;
  /** Resolves once every post in progress (including its retries) has finished. */
  idle(): Promise<void>;
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

  return {
    sign,
    deliveries,
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
