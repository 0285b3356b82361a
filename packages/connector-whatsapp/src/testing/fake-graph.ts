import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookEmitter, type WebhookEmitter } from './emitter.js';
import { defaultErrorStatus, graphError } from './errors.js';
import {
  buildNotification,
  inboundText,
  statusPayload,
  type NotificationSource,
  type StatusPayload,
} from './notifications.js';
import { validateSend, type FakeTemplate } from './validate.js';

/** Options of {@link startFakeGraph}. */
export interface FakeGraphOptions {
  /** Port to listen on (default: a free one on 127.0.0.1). */
  port?: number;
  /** Valid bearer token. Default `test-token`. */
  accessToken?: string;
  /**
   * Messages per second per phone number (Meta: 80, up to 1,000; 20 for numbers shared with the
   * Business app), inbound and outbound together as Meta counts them. Default 80.
   */
  throughputPerSecond?: number | ((phoneNumberId: string) => number);
  /**
   * How "per second" is counted (Meta does not say): `sliding` — no 1,000 ms span may hold more
   * than the limit (the strictest reading, the default); `calendar` — each whole second on the
   * clock is counted on its own (the most lenient, which lets up to twice the limit through
   * around a second's boundary). A sender safe under `sliding` is safe under both.
   */
  throughputWindow?: 'sliding' | 'calendar';
  /** Pair rate per (number, recipient): one per `intervalMs` with `burst` borrowed ahead. `false` turns it off. Default 6,000 ms, burst 45. */
  pairRate?: { intervalMs: number; burst: number } | false;
  /** Enforce the 24-hour customer-service window for non-template messages (131047). Default true. */
  customerServiceWindow?: boolean;
  /** Approved templates; when given, unknown name/language → 132001, wrong parameter count → 132000. */
  templates?: FakeTemplate[];
  /** Recipients whose messages are accepted but later fail with 131026 in status webhooks. */
  undeliverable?: string[];
  /** HTTP status per error code (sources disagree). Default: 401 for 190, 429 for rate limits, 500 for transient, else 400. */
  errorStatus?: (code: number) => number;
  /** Added latency per request, in ms. */
  latencyMs?: number;
  /**
   * A loaded upstream: every `everyMs` (from start) the fake stops reading requests for `forMs`, as an edge that
   * is descheduled or GC-paused does. Requests arriving meanwhile are stamped and counted against the throughput
   * when it resumes, all together — so sends paced at just under the limit can overfill a second.
   */
  stalls?: { everyMs: number; forMs: number };
  /**
   * Business phone numbers the fake knows, by id, as `GET /{phone-number-id}` reports them. When
   * given, any other id is refused like Meta refuses it (100, subcode 33) for reads and sends;
   * otherwise every id exists with defaults (CONNECTED, GREEN, throughput level from the limit).
   */
  phoneNumbers?: Record<string, FakePhoneNumber>;
  /** WABA id and display number used in notifications. */
  wabaId?: string;
  displayPhoneNumber?: string;
  /** Status webhooks sent automatically after each accepted message. */
  webhook?: FakeWebhookOptions;
}

/** A business phone number's node as the Graph API returns it (snake_case, Meta's field names). */
export interface FakePhoneNumber {
  verified_name?: string;
  display_phone_number?: string;
  /** CONNECTED, FLAGGED, RESTRICTED, ... */
  status?: string;
  /** GREEN, YELLOW, RED, UNKNOWN. */
  quality_rating?: string;
  throughput?: { level: string };
  messaging_limit_tier?: string;
  name_status?: string;
  code_verification_status?: string;
  platform_type?: string;
  account_mode?: string;
  is_official_business_account?: boolean;
}

/** Fields Meta returns for a phone number when `fields` is not given. */
const DEFAULT_PHONE_FIELDS = [
  'verified_name',
  'code_verification_status',
  'display_phone_number',
  'quality_rating',
  'platform_type',
  'throughput',
  'id',
];
const PHONE_FIELDS = new Set([
  'id',
  'verified_name',
  'display_phone_number',
  'status',
  'quality_rating',
  'throughput',
  'messaging_limit_tier',
  'name_status',
  'code_verification_status',
  'platform_type',
  'account_mode',
  'is_official_business_account',
]);

/** Automatic status webhooks of the fake. */
export interface FakeWebhookOptions {
  url: string;
  appSecret: string;
  /** Progression for each accepted message. Default sent → delivered → read. */
  progression?: Array<'sent' | 'delivered' | 'read'>;
  /** Delay between one status and the next of the same message, ms. Default 5. */
  stepMs?: number;
  /** Statuses are gathered and posted together every `batchMs` (up to 1,000 per POST). Default 20. */
  batchMs?: number;
  /** Shuffle each batch so statuses arrive out of order. */
  reorder?: boolean;
  /** Post every batch this many extra times (duplicate deliveries). */
  duplicates?: number;
  /** Retry delays on non-200. */
  retryDelaysMs?: number[];
}

/** A message the fake accepted (what reached the recipient, for exactly-once assertions). */
export interface FakeSentMessage {
  id: string;
  phoneNumberId: string;
  /** Recipient digits without `+`. */
  to: string;
  type: string;
  body: Record<string, unknown>;
  /** `performance.now()` when accepted. */
  at: number;
}

/** A request the fake refused. */
export interface FakeRejectedRequest {
  code: number;
  phoneNumberId: string;
  to: string | undefined;
  at: number;
}

/** A running fake Graph API. */
export interface FakeGraph {
  /** `http://127.0.0.1:<port>`; the send endpoint is `${url}/v21.0/<phone-number-id>/messages`. */
  readonly url: string;
  readonly accessToken: string;
  /** Every accepted message, in order. */
  readonly messages: ReadonlyArray<FakeSentMessage>;
  /** Every refused request with its error code. */
  readonly rejections: ReadonlyArray<FakeRejectedRequest>;
  /** Message ids marked as read. */
  readonly reads: ReadonlyArray<string>;
  /** Accepted messages per recipient (digits). */
  countByRecipient(): Map<string, number>;
  /** Number of refusals with `code`. */
  errorCount(code: number): number;
  /** Most messages (accepted and inbound) counted for `phoneNumberId` in any sliding second so far: compare with the limit. */
  densestSecond(phoneNumberId: string): number;
  /** Records an inbound message from `from`, opening its 24-hour window; posts it as a webhook when configured. */
  inbound(from: string, text?: string, phoneNumberId?: string): Promise<string>;
  /** Opens (or with `at` in the past, ages) the customer-service window of `waId`. */
  openWindow(waId: string, at?: Date): void;
  /** Changes what `GET /{phone-number-id}` reports for `phoneNumberId` (quality, status, throughput level...). */
  setPhoneNumber(phoneNumberId: string, patch: FakePhoneNumber): void;
  /** Makes the current token expire (190 from now on) until {@link FakeGraph.setAccessToken}. */
  expireToken(): void;
  setAccessToken(token: string): void;
  /** The next `times` sends (to `to`, or any) fail with `code`. */
  failNext(code: number, options?: { times?: number; to?: string }): void;
  /** Posts status updates for `messageId` (in the order given), through the webhook emitter. */
  emitStatuses(
    messageId: string,
    statuses: StatusPayload['status'][],
    options?: { duplicates?: number; errorCode?: number },
  ): Promise<number | undefined>;
  /** The emitter posting notifications (when `webhook` was configured). */
  readonly emitter: WebhookEmitter | undefined;
  /** Waits until every scheduled status webhook has been posted. */
  flushWebhooks(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a fake WhatsApp Cloud API (Graph API) on loopback: the send endpoint with Meta's request
 * validation and error bodies, throughput (130429), pair (131056), 24-hour window (131047), token
 * (190) and template (132000-range) failures, mark-as-read, a record of every accepted message,
 * and signed status webhooks (sent → delivered → read) with reordering, duplicates and retries.
 */
export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  let token = options.accessToken ?? 'test-token';
  let tokenExpired = false;
  const messages: FakeSentMessage[] = [];
  const rejections: FakeRejectedRequest[] = [];
  const reads: string[] = [];
  const windows = new Map<string, number>();
  const pairTat = new Map<string, number>();
  const recent = new Map<string, { times: number[]; head: number }>();
  const calendar = new Map<string, { second: number; count: number }>();
  const densest = new Map<string, number>();
  const windowMode = options.throughputWindow ?? 'sliding';
  const injected: Array<{ code: number; times: number; to?: string | undefined }> = [];
  const undeliverable = new Set(options.undeliverable ?? []);
  const errorStatus = options.errorStatus ?? defaultErrorStatus;
  const pair = options.pairRate === false ? undefined : (options.pairRate ?? { intervalMs: 6000, burst: 45 });
  const enforceWindow = options.customerServiceWindow ?? true;
  const limitFor = (id: string) =>
    typeof options.throughputPerSecond === 'function'
      ? options.throughputPerSecond(id)
      : (options.throughputPerSecond ?? 80);
  const source = (phoneNumberId: string): NotificationSource => ({
    wabaId: options.wabaId ?? '102290129340398',
    phoneNumberId,
    displayPhoneNumber: options.displayPhoneNumber ?? '9779800000000',
  });

  const emitter = options.webhook
    ? createWebhookEmitter({
        url: options.webhook.url,
        appSecret: options.webhook.appSecret,
        ...(options.webhook.retryDelaysMs ? { retryDelaysMs: options.webhook.retryDelaysMs } : {}),
      })
    : undefined;
  const timers = new Set<NodeJS.Timeout>();
  const outbox = new Map<string, StatusPayload[]>();
  let flushTimer: NodeJS.Timeout | undefined;
  let pendingStatuses = 0;

  const flush = () => {
    flushTimer = undefined;
    if (!emitter || !options.webhook) return;
    for (const [phoneNumberId, statuses] of outbox) {
      outbox.delete(phoneNumberId);
      for (let i = 0; i < statuses.length; i += 1000) {
        const batch = statuses.slice(i, i + 1000);
        if (options.webhook.reorder) shuffle(batch);
        void emitter.post(buildNotification(source(phoneNumberId), { statuses: batch }), {
          duplicates: options.webhook.duplicates ?? 0,
        });
      }
    }
  };
  const enqueueStatus = (phoneNumberId: string, status: StatusPayload) => {
    const list = outbox.get(phoneNumberId) ?? [];
    list.push(status);
    outbox.set(phoneNumberId, list);
    flushTimer ??= setTimeout(flush, options.webhook?.batchMs ?? 20);
  };
  const scheduleStatuses = (m: FakeSentMessage) => {
    if (!options.webhook) return;
    const steps: StatusPayload['status'][] = undeliverable.has(m.to)
      ? ['failed']
      : (options.webhook.progression ?? ['sent', 'delivered', 'read']);
    const stepMs = options.webhook.stepMs ?? 5;
    steps.forEach((status, i) => {
      pendingStatuses++;
      const t = setTimeout(
        () => {
          timers.delete(t);
          pendingStatuses--;
          enqueueStatus(
            m.phoneNumberId,
            statusPayload(m.id, status, m.to, new Date(Date.now()), status === 'failed' ? 131026 : undefined),
          );
        },
        stepMs * (i + 1),
      );
      timers.add(t);
    });
  };

  const fail = (res: ServerResponse, code: number, phoneNumberId: string, to: string | undefined, details?: string) => {
    rejections.push({ code, phoneNumberId, to, at: performance.now() });
    send(res, errorStatus(code), graphError(code, details));
  };

  // Meta counts a number's inbound and outbound messages together; a refused send is not counted.
  const overThroughput = (phoneNumberId: string, now: number): boolean => {
    const limit = limitFor(phoneNumberId);
    if (windowMode === 'calendar') {
      const second = Math.floor((performance.timeOrigin + now) / 1000);
      const c = calendar.get(phoneNumberId);
      return c !== undefined && c.second === second && c.count >= limit;
    }
    const w = slidingWindow(recent, phoneNumberId, now);
    return w.times.length - w.head >= limit;
  };
  const countMessage = (phoneNumberId: string, now: number) => {
    const second = Math.floor((performance.timeOrigin + now) / 1000);
    const c = calendar.get(phoneNumberId);
    if (c && c.second === second) c.count++;
    else calendar.set(phoneNumberId, { second, count: 1 });
    const w = slidingWindow(recent, phoneNumberId, now);
    // Requests are stamped when their head arrives but counted once their body is read, so a
    // stamp can be a few µs older than the last one: keep the window sorted.
    let at = w.times.length;
    while (at > w.head && w.times[at - 1]! > now) at--;
    w.times.splice(at, 0, now);
    densest.set(phoneNumberId, Math.max(densest.get(phoneNumberId) ?? 0, w.times.length - w.head));
  };
  const overPair = (key: string, now: number): boolean => {
    if (!pair) return false;
    const tat = Math.max(pairTat.get(key) ?? now, now);
    if (tat - now > (pair.burst - 1) * pair.intervalMs) return true;
    pairTat.set(key, tat + pair.intervalMs);
    return false;
  };

  const phoneOverrides = new Map<string, FakePhoneNumber>(Object.entries(options.phoneNumbers ?? {}));
  const phoneNumber = (id: string): (FakePhoneNumber & { id: string }) | undefined => {
    const known = phoneOverrides.get(id);
    if (!known && options.phoneNumbers) return undefined;
    return {
      id,
      verified_name: 'Relaykit Test School',
      display_phone_number: `+${options.displayPhoneNumber ?? '9779800000000'}`,
      status: 'CONNECTED',
      quality_rating: 'GREEN',
      throughput: { level: limitFor(id) >= 1000 ? 'HIGH' : 'STANDARD' },
      messaging_limit_tier: 'TIER_100K',
      name_status: 'APPROVED',
      code_verification_status: 'VERIFIED',
      platform_type: 'CLOUD_API',
      account_mode: 'LIVE',
      is_official_business_account: false,
      ...known,
    };
  };
  const unknownNode = (res: ServerResponse, method: string, id: string) => {
    rejections.push({ code: 100, phoneNumberId: id, to: undefined, at: performance.now() });
    send(res, 400, {
      error: {
        ...graphError(100).error,
        message: `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        error_subcode: 33,
      },
    });
  };
  const authorized = (req: IncomingMessage, res: ServerResponse, phoneNumberId: string): boolean => {
    const auth = req.headers.authorization;
    if (auth && auth === `Bearer ${token}` && !tokenExpired) return true;
    fail(
      res,
      190,
      phoneNumberId,
      undefined,
      tokenExpired ? 'Session has expired.' : 'Invalid OAuth access token - Cannot parse access token',
    );
    return false;
  };
  const getPhoneNumber = (req: IncomingMessage, res: ServerResponse, id: string, fields: string | null) => {
    if (!authorized(req, res, id)) return;
    const number = phoneNumber(id);
    if (!number) return unknownNode(res, 'get', id);
    const wanted = fields
      ? fields
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : DEFAULT_PHONE_FIELDS;
    const unknown = wanted.find((f) => !PHONE_FIELDS.has(f));
    if (unknown) {
      rejections.push({ code: 100, phoneNumberId: id, to: undefined, at: performance.now() });
      send(res, 400, {
        error: {
          ...graphError(100).error,
          message: `(#100) Tried accessing nonexisting field (${unknown}) on node type (WhatsAppBusinessPhoneNumber)`,
        },
      });
      return;
    }
    const node: Record<string, unknown> = { ...number };
    const body: Record<string, unknown> = {};
    for (const f of wanted) if (node[f] !== undefined) body[f] = node[f];
    body.id = id;
    send(res, 200, body);
  };

  const startedAt = performance.now();
  /** When the stall `at` falls into ends, or undefined when the fake is not stalled then. */
  const stallEnd = (at: number): number | undefined => {
    if (!options.stalls) return undefined;
    const { everyMs, forMs } = options.stalls;
    const into = (at - startedAt) % everyMs;
    return into >= everyMs - forMs ? at - into + everyMs : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Arrival is when the request's head came in, not when its body finished reading on a busy loop.
    let arrivedAt = performance.now();
    const resumeAt = stallEnd(arrivedAt);
    if (resumeAt !== undefined) {
      await new Promise((r) => setTimeout(r, Math.ceil(resumeAt - arrivedAt)));
      arrivedAt = performance.now();
    }
    const raw = await readBody(req);
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const url = new URL(req.url ?? '/', 'http://fake');
    const node = /^\/v(\d+)\.0\/([^/]+)$/.exec(url.pathname);
    if (node && req.method === 'GET')
      return getPhoneNumber(req, res, decodeURIComponent(node[2]!), url.searchParams.get('fields'));
    const match = /^\/v(\d+)\.0\/([^/]+)\/messages$/.exec(url.pathname);
    if (!match || req.method !== 'POST') {
      send(
        res,
        400,
        graphError(
          100,
          `Unsupported ${req.method} request. Object with ID '${url.pathname.split('/')[2] ?? ''}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        ),
      );
      return;
    }
    const phoneNumberId = decodeURIComponent(match[2]!);
    if (!authorized(req, res, phoneNumberId)) return;
    if (!phoneNumber(phoneNumberId)) return unknownNode(res, 'post', phoneNumberId);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      fail(res, 100, phoneNumberId, undefined, 'The request body is not valid JSON');
      return;
    }
    const b = body as Record<string, unknown>;
    if (b.status === 'read') {
      if (b.messaging_product !== 'whatsapp' || typeof b.message_id !== 'string')
        return fail(res, 100, phoneNumberId, undefined, 'message_id is required');
      reads.push(b.message_id);
      send(res, 200, { success: true });
      return;
    }
    const rejection = validateSend(body, options.templates);
    const to = typeof b.to === 'string' ? b.to.replace(/^\+/, '') : undefined;
    if (rejection) return fail(res, rejection.code, phoneNumberId, to, rejection.details);
    const injectedIndex = injected.findIndex((x) => x.to === undefined || x.to === to);
    if (injectedIndex >= 0) {
      const inj = injected[injectedIndex]!;
      if (--inj.times <= 0) injected.splice(injectedIndex, 1);
      return fail(res, inj.code, phoneNumberId, to);
    }
    const now = arrivedAt;
    const type = (b.type as string | undefined) ?? 'text';
    if (enforceWindow && type !== 'template') {
      const last = windows.get(to!);
      if (last === undefined || Date.now() - last > 24 * 3600_000) return fail(res, 131047, phoneNumberId, to);
    }
    if (overThroughput(phoneNumberId, now)) return fail(res, 130429, phoneNumberId, to);
    if (overPair(`${phoneNumberId}:${to}`, now)) return fail(res, 131056, phoneNumberId, to);
    countMessage(phoneNumberId, now);
    const id = `wamid.${Buffer.from(`${phoneNumberId}:${to}:${randomBytes(9).toString('hex')}`).toString('base64')}`;
    const message: FakeSentMessage = { id, phoneNumberId, to: to!, type, body: b, at: now };
    messages.push(message);
    scheduleStatuses(message);
    send(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: b.to, wa_id: to }],
      messages: [{ id, ...(type === 'template' ? { message_status: 'accepted' } : {}) }],
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, graphError(1, String(error)));
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeGraph = {
    url,
    get accessToken() {
      return token;
    },
    messages,
    rejections,
    reads,
    emitter,
    countByRecipient() {
      const counts = new Map<string, number>();
      for (const m of messages) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
      return counts;
    },
    errorCount: (code) => rejections.filter((r) => r.code === code).length,
    densestSecond: (phoneNumberId) => densest.get(phoneNumberId) ?? 0,
    async inbound(from, text = 'Hello', phoneNumberId = 'PHONE_NUMBER_ID') {
      const digits = from.replace(/^\+/, '');
      windows.set(digits, Date.now());
      // Inbound messages use the number's throughput too (they are never refused for it).
      countMessage(phoneNumberId, performance.now());
      const value = inboundText(digits, text);
      const id = (value.messages[0] as { id: string }).id;
      if (emitter) await emitter.post(buildNotification(source(phoneNumberId), value));
      return id;
    },
    openWindow(waId, at = new Date()) {
      windows.set(waId.replace(/^\+/, ''), at.getTime());
    },
    setPhoneNumber(id, patch) {
      phoneOverrides.set(id, { ...phoneOverrides.get(id), ...patch });
    },
    expireToken() {
      tokenExpired = true;
    },
    setAccessToken(next) {
      token = next;
      tokenExpired = false;
    },
    failNext(code, opts = {}) {
      injected.push({ code, times: opts.times ?? 1, to: opts.to?.replace(/^\+/, '') });
    },
    async emitStatuses(messageId, statuses, opts = {}) {
      if (!emitter) throw new Error('the fake was started without webhook options');
      const m = messages.find((x) => x.id === messageId);
      const recipient = m?.to ?? '0';
      const base = Date.now();
      const payloads = statuses.map((s, i) =>
        statusPayload(messageId, s, recipient, new Date(base + i * 1000), s === 'failed' ? opts.errorCode : undefined),
      );
      return emitter.post(buildNotification(source(m?.phoneNumberId ?? 'PHONE_NUMBER_ID'), { statuses: payloads }), {
        duplicates: opts.duplicates ?? 0,
      });
    },
    async flushWebhooks() {
      while (pendingStatuses > 0 || flushTimer) await new Promise((r) => setTimeout(r, 5));
      await emitter?.idle();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      if (flushTimer) clearTimeout(flushTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}

/** Drops the times that left the sliding second ending at `now`, compacting now and then. */
function slidingWindow(
  map: Map<string, { times: number[]; head: number }>,
  key: string,
  now: number,
): { times: number[]; head: number } {
  let w = map.get(key);
  if (!w) map.set(key, (w = { times: [], head: 0 }));
  while (w.head < w.times.length && w.times[w.head]! <= now - 1000) w.head++;
  if (w.head > 4096) {
    w.times = w.times.slice(w.head);
    w.head = 0;
  }
  return w;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    'x-fb-trace-id': 'fake',
    'facebook-api-version': 'v21.0',
  });
  res.end(text);
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
