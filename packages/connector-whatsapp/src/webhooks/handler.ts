import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createIdempotencyStore,
  type IdempotencyStore,
  type WebhookRequest,
  type WebhookResponse,
} from '@relaykit/sdk-core';
import { DEFAULT_DEDUPE_LEASE_MS, DEFAULT_DEDUPE_TTL_MS, toDedupeStore, type DedupeStore } from './dedupe.js';
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
  /**
   * Where event keys are remembered to drop duplicate deliveries: an sdk-core IdempotencyStore (`createIdempotencyStore`,
   * with `redisUrl` when several receivers share the work; the runtime's `ctx.idempotency`), or a {@link DedupeStore} of
   * your own. Default: an in-memory store; `false` turns de-duplication off.
   */
  dedupe?: IdempotencyStore | DedupeStore | false;
  /** How long a stored event's key is remembered (default 7 days, Meta's retry horizon). */
  dedupeTtlMs?: number;
  /**
   * How long an event being processed blocks its duplicates (default 60 s). Keep it above the
   * slowest `onEvents`: a receiver that dies mid-way leaves only this lease, so Meta's retry after
   * it is processed rather than dropped as a duplicate.
   */
  dedupeLeaseMs?: number;
  /** When given, every status update is applied; the result carries each message's current status. */
  tracker?: StatusTracker;
  /**
   * Stores the new events durably before the 200 is sent (Meta never re-sends once acknowledged).
   * Their dedupe keys are marked done only after it resolves; if it throws, the claims are
   * released and Meta gets a 500, so its retry is processed.
   */
  onEvents?(events: WhatsAppEvent[]): void | Promise<void>;
}

/** Outcome of one webhook request. */
export interface WebhookHandlerResult extends WebhookResponse {
  /** HTTP status to answer: 200 only once every event is stored (or was before). */
  status: number;
  /** Plain-text body to answer. */
  body: string;
  /** Headers to answer with. */
  headers: Record<string, string>;
  /** New (non-duplicate) events of a verified POST; empty otherwise. */
  events: WhatsAppEvent[];
  /** Events dropped as duplicates (stored by an earlier delivery). */
  duplicates: number;
  /**
   * Events another delivery is processing right now: their outcome is unknown, so the answer is
   * 503 and Meta retries (by then they are duplicates, or free again if that delivery failed).
   */
  inProgress?: number;
  /** Current status of every message a status event touched, when a tracker is set. */
  statuses?: TrackedStatus[];
  /** Why the request was refused (`signature`, `too_large`, `bad_json`, `bad_payload`, `token`, `method`, `store`, `in_progress`). */
  rejected?: string;
}

/** A framework-neutral WhatsApp webhook endpoint: raw bytes and headers in, response and events out. */
export interface WebhookHandler {
  /** Serves one request (GET verification or POST notification); never throws for a bad request. */
  handle(request: WebhookRequest): Promise<WebhookHandlerResult>;
  /** Answers Meta's GET verification (`hub.challenge`), or undefined when `request` is not one. */
  handshake(request: Pick<WebhookRequest, 'method' | 'query'>): WebhookHandlerResult | undefined;
  /** Checks size and signature of a POST, over the raw bytes. */
  verify(request: Pick<WebhookRequest, 'headers' | 'rawBody'>): boolean;
}

const text = (status: number, body: string, rest: Partial<WebhookHandlerResult> = {}): WebhookHandlerResult => ({
  status,
  body,
  // The verification echo is attacker-chosen text: no browser may sniff it into HTML.
  headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  events: [],
  duplicates: 0,
  ...rest,
});

/**
 * Creates the webhook handler. GET: echoes `hub.challenge` when `hub.verify_token` matches (403
 * otherwise). POST: rejects bodies over 3 MB (413) and bodies that are not `application/json` (415), verifies the signature over the raw bytes
 * before any parsing (401 when missing or wrong), parses with zod, claims each event in the
 * dedupe store (duplicates of stored events are dropped), applies statuses to the tracker, hands
 * new events to `onEvents`, marks them done, then answers 200. A failure answers 500 with the claims
 * released; an event another delivery is still processing makes the answer 503 — Meta retries both.
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
  const dedupe = options.dedupe === false ? undefined : toDedupeStore(options.dedupe ?? createIdempotencyStore());
  const ttl = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
  const lease = options.dedupeLeaseMs ?? DEFAULT_DEDUPE_LEASE_MS;

  const handshake: WebhookHandler['handshake'] = (request) => {
    if (request.method.toUpperCase() !== 'GET') return undefined;
    const mode = request.query['hub.mode'];
    const token = request.query['hub.verify_token'];
    const challenge = request.query['hub.challenge'];
    if (
      mode === 'subscribe' &&
      typeof token === 'string' &&
      safeEqual(token, options.verifyToken) &&
      typeof challenge === 'string'
    )
      return text(200, challenge);
    return text(403, 'Forbidden', { rejected: 'token' });
  };

  const verify: WebhookHandler['verify'] = (request) =>
    request.rawBody.byteLength <= maxBytes &&
    verifyWebhookSignature(request.rawBody, request.headers['x-hub-signature-256'], options.appSecret);

  return {
    handshake,
    verify,
    async handle(request) {
      const method = request.method.toUpperCase();
      if (method === 'GET') return handshake(request)!;
      if (method !== 'POST')
        return text(405, 'Method Not Allowed', {
          rejected: 'method',
          headers: {
            'content-type': 'text/plain; charset=utf-8',
            'x-content-type-options': 'nosniff',
            allow: 'GET, POST',
          },
        });
      if (request.rawBody.byteLength > maxBytes) return text(413, 'Payload Too Large', { rejected: 'too_large' });
      // Meta always posts application/json: a signed form or text body is no notification, whatever it holds.
      if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? ''))
        return text(415, 'Unsupported Media Type', { rejected: 'media_type' });
      if (!verifyWebhookSignature(request.rawBody, request.headers['x-hub-signature-256'], options.appSecret))
        return text(401, 'Invalid signature', { rejected: 'signature' });
      let payload: unknown;
      try {
        payload = JSON.parse(
          Buffer.from(request.rawBody.buffer, request.rawBody.byteOffset, request.rawBody.byteLength).toString('utf8'),
        );
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
      const claims: Array<{ key: string; token: string }> = [];
      const batchKeys = new Set<string>();
      let duplicates = 0;
      let inProgress = 0;
      let statuses: TrackedStatus[] | undefined;
      // Claims are leases until `onEvents` has stored the events: marking them done earlier would
      // make a crash in between look like a duplicate to Meta's retry, and lose the event.
      try {
        const unique: Array<{ key: string; event: WhatsAppEvent }> = [];
        for (const event of all) {
          const key = webhookEventKey(event);
          if (batchKeys.has(key)) {
            duplicates++;
            continue;
          }
          batchKeys.add(key);
          unique.push({ key, event });
        }
        // Claimed side by side (one round trip of latency for a 1,000-event payload, not 1,000).
        const outcomes = dedupe ? await Promise.allSettled(unique.map((u) => dedupe.claim(u.key, lease))) : undefined;
        let failure: unknown;
        for (const [i, u] of unique.entries()) {
          const outcome = outcomes?.[i];
          if (outcome?.status === 'rejected') {
            failure ??= outcome.reason;
            continue;
          }
          const claim = outcome?.value;
          if (claim?.state === 'done') {
            duplicates++;
            continue;
          }
          if (claim?.state === 'processing') {
            inProgress++;
            continue;
          }
          if (claim) claims.push({ key: u.key, token: claim.token });
          fresh.push(u.event);
        }
        if (failure !== undefined) throw failure;
        if (options.tracker) {
          const byId = new Map<string, TrackedStatus>();
          for (const e of fresh)
            if (e.kind === 'status') byId.set(e.status.messageId, (await options.tracker.apply(e.status)).current);
          statuses = [...byId.values()];
        }
        if (fresh.length > 0) await options.onEvents?.(fresh);
      } catch {
        if (dedupe) await Promise.allSettled(claims.map((c) => dedupe.release(c.key, c.token)));
        return text(500, 'Could not record the events', { rejected: 'store' });
      }
      // The events are stored: a failed `complete` only lets a later duplicate through once its lease ends.
      if (dedupe) await Promise.allSettled(claims.map((c) => dedupe.complete(c.key, c.token, ttl)));
      const outcome = { events: fresh, duplicates, ...(statuses ? { statuses } : {}) };
      if (inProgress > 0)
        return text(503, 'Some events are being processed by another delivery; retry later', {
          ...outcome,
          inProgress,
          rejected: 'in_progress',
        });
      return text(200, 'EVENT_RECEIVED', outcome);
    },
  };
}

// Hashing first gives equal-length buffers, so the comparison time does not depend on where they differ.
function safeEqual(a: string, b: string): boolean {
  if (!a || !b) return false;
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
