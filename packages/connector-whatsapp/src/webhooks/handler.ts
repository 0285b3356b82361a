import { createHash, timingSafeEqual } from 'node:crypto';
import type { WebhookRequest, WebhookResponse } from '@relaykit/sdk-core';
import { DEFAULT_DEDUPE_TTL_MS, createMemoryDedupeStore, type DedupeStore } from './dedupe.js';
import { parseWebhookPayload, webhookEventKey, type WhatsAppEvent } from './events.js';
import { verifyWebhookSignature } from './signature.js';
import type { StatusTracker, TrackedStatus } from './tracker.js';

/** Meta's largest webhook payload. */
export const MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;

/** Options of {@link createWebhookHandler}. */
export interface WebhookHandlerOptions {
  /** The Meta app secret the `X-Hub-Signature-256` HMAC is keyed with. */
  appSecret: string;
  /** The token you entered in the App Dashboard, echoed back in GET verification. */
  verifyToken: string;
  /** Largest body accepted (default 3 MB, Meta's maximum). */
  maxBodyBytes?: number;
  /** Drops duplicate deliveries (default: an in-memory store; use Redis with several receivers). */
  dedupe?: DedupeStore | false;
  /** How long an event key is remembered (default 7 days, Meta's retry horizon). */
  dedupeTtlMs?: number;
  /** When given, every status update is applied; the result carries each message's current status. */
  tracker?: StatusTracker;
  /**
   * Stores the new events durably before the 200 is sent (Meta never re-sends once acknowledged).
   * If it throws, the dedupe keys are forgotten and Meta gets a 500, so its retry is processed.
   */
  onEvents?(events: WhatsAppEvent[]): void | Promise<void>;
}

/** Outcome of one webhook request. */
export interface WebhookHandlerResult extends WebhookResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** New (non-duplicate) events of a verified POST; empty otherwise. */
  events: WhatsAppEvent[];
  /** Events dropped as duplicates. */
  duplicates: number;
  /** Current status of every message a status event touched, when a tracker is set. */
  statuses?: TrackedStatus[];
  /** Why the request was refused (`signature`, `too_large`, `bad_json`, `bad_payload`, `token`, `method`, `store`). */
  rejected?: string;
}

/** A framework-neutral WhatsApp webhook endpoint: raw bytes and headers in, response and events out. */
export interface WebhookHandler {
  handle(request: WebhookRequest): Promise<WebhookHandlerResult>;
  /** Answers Meta's GET verification (`hub.challenge`), or undefined when `request` is not one. */
  handshake(request: Pick<WebhookRequest, 'method' | 'query'>): WebhookHandlerResult | undefined;
  /** Checks size and signature of a POST, over the raw bytes. */
  verify(request: Pick<WebhookRequest, 'headers' | 'rawBody'>): boolean;
}

const text = (status: number, body: string, rest: Partial<WebhookHandlerResult> = {}): WebhookHandlerResult => ({
  status, body, headers: { 'content-type': 'text/plain; charset=utf-8' }, events: [], duplicates: 0, ...rest,
});

/**
 * Creates the webhook handler. GET: echoes `hub.challenge` when `hub.verify_token` matches (403
 * otherwise). POST: rejects bodies over 3 MB (413), verifies the signature over the raw bytes
 * before any parsing (401 when missing or wrong), parses with zod, drops duplicates, applies
 * statuses to the tracker, hands new events to `onEvents`, then answers 200.
 *
 * @example
 * ```ts
 * const webhook = createWebhookHandler({ appSecret, verifyToken, onEvents: (events) => queue.addAll(events) });
 * const result = await webhook.handle({ method, headers, query, rawBody });
 * res.writeHead(result.status, result.headers).end(result.body);
 * ```
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  if (!options.appSecret) throw new TypeError('createWebhookHandler needs appSecret');
  const maxBytes = options.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  const dedupe = options.dedupe === false ? undefined : (options.dedupe ?? createMemoryDedupeStore());
  const ttl = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;

  const handshake: WebhookHandler['handshake'] = (request) => {
    if (request.method.toUpperCase() !== 'GET') return undefined;
    const mode = request.query['hub.mode'];
    const token = request.query['hub.verify_token'];
    const challenge = request.query['hub.challenge'];
    if (mode === 'subscribe' && typeof token === 'string' && safeEqual(token, options.verifyToken) && typeof challenge === 'string') return text(200, challenge);
    return text(403, 'Forbidden', { rejected: 'token' });
  };

  const verify: WebhookHandler['verify'] = (request) =>
    request.rawBody.byteLength <= maxBytes && verifyWebhookSignature(request.rawBody, request.headers['x-hub-signature-256'], options.appSecret);

  return {
    handshake,
    verify,
    async handle(request) {
      const method = request.method.toUpperCase();
      if (method === 'GET') return handshake(request)!;
      if (method !== 'POST') return text(405, 'Method Not Allowed', { rejected: 'method', headers: { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, POST' } });
      if (request.rawBody.byteLength > maxBytes) return text(413, 'Payload Too Large', { rejected: 'too_large' });
      if (!verifyWebhookSignature(request.rawBody, request.headers['x-hub-signature-256'], options.appSecret)) return text(401, 'Invalid signature', { rejected: 'signature' });
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.from(request.rawBody.buffer, request.rawBody.byteOffset, request.rawBody.byteLength).toString('utf8'));
      } catch {
        return text(400, 'Body is not JSON', { rejected: 'bad_json' });
      }
      let all: WhatsAppEvent[];
      try {
        all = parseWebhookPayload(payload);
      } catch {
        return text(400, 'Not a WhatsApp Business Account notification', { rejected: 'bad_payload' });
      }
      const fresh: WhatsAppEvent[] = [];
      const keys: string[] = [];
      const batchKeys = new Set<string>();
      let statuses: TrackedStatus[] | undefined;
      try {
        for (const event of all) {
          const key = webhookEventKey(event);
          if (batchKeys.has(key)) continue;
          batchKeys.add(key);
          if (dedupe && !(await dedupe.firstSeen(key, ttl))) continue;
          fresh.push(event);
          keys.push(key);
        }
        if (options.tracker) {
          const byId = new Map<string, TrackedStatus>();
          for (const e of fresh) if (e.kind === 'status') byId.set(e.status.messageId, (await options.tracker.apply(e.status)).current);
          statuses = [...byId.values()];
        }
        if (fresh.length > 0) await options.onEvents?.(fresh);
      } catch {
        if (dedupe) await Promise.allSettled(keys.map((k) => dedupe.forget(k)));
        return text(500, 'Could not record the events', { rejected: 'store' });
      }
      return text(200, 'EVENT_RECEIVED', { events: fresh, duplicates: all.length - fresh.length, ...(statuses ? { statuses } : {}) });
    },
  };
}

// Hashing first gives equal-length buffers, so the comparison time does not depend on where they differ.
function safeEqual(a: string, b: string): boolean {
  if (!a || !b) return false;
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
