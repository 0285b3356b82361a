import { createHash } from 'node:crypto';
import {
  HttpClient,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  ValidationError,
  createIdempotencyStore,
  isValidationError,
  createRateLimiter,
  sleep,
  throwIfAborted,
  toValidationError,
  type HttpRequester,
  type IdempotencyStore,
  type RateDecision,
  type RateLimiter,
} from '@relaykit/sdk-core';
import { PAIR_BACKOFF_MS, SenderPausedError, toWhatsAppError, type WhatsAppApiError } from '../errors/index.js';
import {
  PHONE_NUMBER_FIELDS,
  PhoneNumberResponse,
  toPhoneNumberStatus,
  type PhoneNumberStatus,
} from '../health/status.js';
import { OutgoingMessage, SendResponse, type OutgoingMessageInput } from '../messages/schema.js';
import { normalizePhoneNumber, toWaId } from '../phone/index.js';
import type { SenderEvent, SenderListener } from './events.js';
import { AdaptiveAllowance } from './lag.js';
import {
  DEFAULT_JITTER_MS,
  numberKey,
  numberPacing,
  numberSendCost,
  pairKey,
  whatsAppRateRules,
  type NumberPacing,
  type PairRate,
  type WhatsAppRateOptions,
} from './rules.js';

/** Options of {@link WhatsAppSender}. */
export interface WhatsAppSenderOptions {
  /** The business phone number's id (not the number itself). */
  phoneNumberId: string;
  /** A system-user access token. Never logged. */
  accessToken: string;
  /** Graph API version. Default `v21.0`. */
  apiVersion?: string;
  /** Default `https://graph.facebook.com`; the fake's URL in tests. */
  baseUrl?: string;
  /** HTTP client (e.g. from `ctx.createHttpClient`); default: an sdk-core HttpClient the sender owns. */
  http?: HttpRequester;
  /**
   * Limiter holding both the number's and the pairs' windows (see {@link whatsAppRateRules});
   * default: one on `redisUrl` (shared by every worker) or in memory.
   */
  limiter?: RateLimiter;
  /** Redis for the default limiter and idempotency store. */
  redisUrl?: string;
  /** Key prefix for the default limiter and store. Default `relaykit:whatsapp`. */
  prefix?: string;
  /** The number's throughput (default 80; up to 1,000). Used for the default limiter. */
  messagesPerSecond?: number;
  /**
   * Jitter allowance, ms (default 25): no spread of delays up to this between admission and Meta
   * can cause a 130429 (see {@link numberPacing}). Half is kept for this process: a send that
   * leaves more than that later after its admission than the quickest recent ones takes a fresh
   * slot. Pass the same value to {@link whatsAppRateRules} when you give your own `limiter`.
   */
  jitterMs?: number;
  /**
   * Widens the jitter allowance while lag is measured (request round-trip spread, event-loop delay), pacing slower
   * so that a loaded machine still puts no more than the limit into any second at Meta (see `AdaptiveAllowance`).
   * Default on, up to 80 ms; `false` keeps `jitterMs` fixed.
   */
  adaptiveJitter?: false | { maxJitterMs?: number; holdMs?: number };
  /** How far behind (ms of sending) a late poller may fall and take its slots back (default 10). */
  catchUpMs?: number;
  /** Messages per second left free for inbound traffic, which Meta counts too (default 0). */
  inboundReserve?: number;
  /** Pair-rate limit per recipient (default 1 per 6 s, burst 40); `false` to leave it to Meta. */
  pairRate?: PairRate | false;
  /** Where idempotent sends are remembered (default: memory, or Redis with `redisUrl`). */
  idempotency?: IdempotencyStore;
  /** Region for local numbers (`NP`: `98XXXXXXXX` → `+97798XXXXXXXX`). */
  defaultRegion?: string;
  /** Back-off after 131056, per retry (default 1, 4, 16, 64 s). */
  pairBackoffMs?: ReadonlyArray<number>;
  /** Retries after 130429 (default 5); each penalizes the number's limiter for every worker. */
  throughputRetries?: number;
  /**
   * Pause of the number's limiter (for every worker) after a 130429, doubled per retry of the same
   * message (default 250 ms: the pace is already below the limit, so a short pause lets the window drain).
   */
  throughputPenaltyMs?: number;
  /** Attempts for transient errors (131000, 1, 2, 131016, 133004). Default 3. */
  transientAttempts?: number;
  /** How long the sender pauses after 131048 (spam) or 368 (policy). Default 15 min. */
  pauseMs?: number;
  /** Waiters of this process polling the number's limiter at once (default 1: the others queue locally). */
  limiterPollers?: number;
  /** HTTP connections to Graph. Default 64. */
  connections?: number;
}

/** What a successful send returns. */
export interface SendResult {
  /** `wamid...` — the id status webhooks refer to. */
  messageId: string;
  /** Recipient in E.164. */
  to: string;
  /** Meta's `wa_id` for the recipient. */
  waId: string;
  /** `accepted`, `held_for_quality_assessment` or `paused` when Meta says so. */
  messageStatus?: string | undefined;
  /** Template language finally used (after fallbacks). */
  language?: string | undefined;
  attempts: number;
  /** True when this result was replayed from the idempotency store (nothing was sent). */
  replayed: boolean;
}

/** Options of one send. */
export interface SendOptions {
  /** Same key, same message → sent at most once; the first result is returned again. */
  idempotencyKey?: string;
  /**
   * Your own id of this message (e.g. the notification row's id). When `idempotencyKey` is not
   * given, the key is derived from it (`msg:<sourceId>`), so a replayed job never sends twice.
   */
  sourceId?: string;
  signal?: AbortSignal;
  /** For templates: languages to try, in order, when Meta answers 132001 (missing translation). */
  fallbackLanguages?: string[];
  /** How long a claim on `idempotencyKey` blocks duplicates while the send is in flight. Default 5 min. */
  lockTtlMs?: number;
  /**
   * When false, `signal` only cancels waiting (for the limiter, a back-off): a request already on
   * the wire finishes, so its outcome is known and recorded. Default true.
   */
  abortInFlight?: boolean;
}

/**
 * Sends WhatsApp messages within Meta's limits: validates and normalises first, paces every send
 * through the shared limiter (number throughput and per-recipient pair rate), classifies failures
 * by Meta's `error.code` and reacts as Meta asks, and makes keyed sends idempotent.
 *
 * @example
 * ```ts
 * const sender = new WhatsAppSender({ phoneNumberId, accessToken, redisUrl, messagesPerSecond: 80, defaultRegion: 'NP' });
 * const { messageId } = await sender.send(message.text('9841234567', 'School is closed tomorrow'), { idempotencyKey: 'notice-42:parent-7' });
 * ```
 */
export class WhatsAppSender {
  readonly phoneNumberId: string;
  /** The throughput this sender was configured for (messages per second). */
  readonly messagesPerSecond: number;
  private readonly apiVersion: string;
  private readonly http: HttpRequester;
  private readonly limiter: RateLimiter;
  private readonly idempotency: IdempotencyStore;
  private readonly owned: Array<{ close(): Promise<void> }> = [];
  private readonly path: string;
  private readonly listeners = new Set<SenderListener>();
  private pausedUntil = 0;
  private pollers = 0;
  private nextSlotAt = 0;
  /** Lower bound of (local clock − limiter clock): the largest `asked − at` seen recently (`at ≥ asked + skew`). */
  private readonly clockSkew = new RecentExtreme(Math.max);
  /** The smallest recent slot age at dispatch: the constant part of the delay, which costs nothing. */
  private readonly ageFloor = new RecentExtreme(Math.min);
  private readonly pollQueue: Array<() => void> = [];
  private pauseCode = 0;
  private accessToken: string;
  private readonly pacing: NumberPacing | undefined;
  private readonly allowance: AdaptiveAllowance | undefined;
  private allowanceMs: number;
  private adaptive = true;

  constructor(private readonly options: WhatsAppSenderOptions) {
    if (!options.phoneNumberId)
      throw new ValidationError('phoneNumberId is required', [{ path: ['phoneNumberId'], message: 'required' }]);
    if (!options.accessToken)
      throw new ValidationError('accessToken is required', [{ path: ['accessToken'], message: 'required' }]);
    this.phoneNumberId = options.phoneNumberId;
    this.accessToken = options.accessToken;
    this.apiVersion = options.apiVersion ?? 'v21.0';
    this.messagesPerSecond = options.messagesPerSecond ?? 80;
    this.path = `/${this.apiVersion}/${encodeURIComponent(options.phoneNumberId)}/messages`;
    const prefix = options.prefix ?? 'relaykit:whatsapp';
    this.http =
      options.http ??
      this.own(
        new HttpClient({
          baseUrl: options.baseUrl ?? 'https://graph.facebook.com',
          upstream: 'whatsapp',
          connections: options.connections ?? 64,
        }),
      );
    this.limiter =
      options.limiter ??
      this.own(
        createRateLimiter({
          rules: whatsAppRateRules(rateOptions(options)),
          ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
          prefix: `${prefix}:rl`,
        }),
      );
    this.pacing = tryNumberPacing(rateOptions(options));
    this.allowanceMs = this.pacing?.jitterMs ?? 0;
    if (this.pacing && options.adaptiveJitter !== false)
      this.allowance = new AdaptiveAllowance({
        baseMs: this.pacing.jitterMs,
        ...(options.adaptiveJitter?.maxJitterMs !== undefined ? { maxMs: options.adaptiveJitter.maxJitterMs } : {}),
        ...(options.adaptiveJitter?.holdMs !== undefined ? { holdMs: options.adaptiveJitter.holdMs } : {}),
      });
    this.idempotency =
      options.idempotency ??
      this.own(
        createIdempotencyStore({
          ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
          prefix: `${prefix}:idem`,
        }),
      );
  }

  /** Subscribes to {@link SenderEvent}s (sent, throttled, pair back-off, alerts); returns an unsubscribe function. */
  on(listener: SenderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the access token (after a 190). */
  setAccessToken(token: string): void {
    this.accessToken = token;
  }

  /** When the sender is paused (after 131048 or 368), until when; else undefined. */
  get pausedUntilDate(): Date | undefined {
    return this.pausedUntil > Date.now() ? new Date(this.pausedUntil) : undefined;
  }

  /** Lifts a pause early (after the quality issue was handled). */
  resume(): void {
    this.pausedUntil = 0;
  }

  /** Validates, normalises and parses a message without sending it (throws a ValidationError). */
  prepare(input: OutgoingMessageInput): OutgoingMessage {
    if (prepared.has(input as object)) return input as OutgoingMessage;
    const parsed = OutgoingMessage.safeParse(input);
    if (!parsed.success) throw toValidationError('Invalid WhatsApp message', parsed.error);
    const to = toWaId(
      normalizePhoneNumber(
        parsed.data.to,
        this.options.defaultRegion ? { defaultRegion: this.options.defaultRegion } : {},
      ),
    );
    const result = { ...parsed.data, to };
    prepared.add(result);
    return result;
  }

  /**
   * Sends one message. Throws a ValidationError before any call when the message or number is
   * invalid; a {@link TemplateRequiredError} outside the 24-hour window; a {@link WhatsAppCredentialsError}
   * on 190; a {@link SenderPausedError} while paused; a WhatsAppApiError for other refusals.
   */
  async send(input: OutgoingMessageInput, options: SendOptions = {}): Promise<SendResult> {
    const message = this.prepare(input);
    const key = options.idempotencyKey ?? (options.sourceId ? `msg:${options.sourceId}` : undefined);
    if (key === undefined) return this.deliver(message, options);
    const scope = `whatsapp:${this.phoneNumberId}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(message)).digest('hex');
    const begun = await this.idempotency.begin<SendResult>(
      scope,
      key,
      fingerprint,
      options.lockTtlMs === undefined ? undefined : { lockTtlMs: options.lockTtlMs },
    );
    if (begun.state === 'completed') {
      this.emit({
        type: 'replayed',
        phoneNumberId: this.phoneNumberId,
        to: begun.result.to,
        messageId: begun.result.messageId,
      });
      return { ...begun.result, replayed: true };
    }
    if (begun.state === 'in_flight') throw new IdempotencyInFlightError(key);
    if (begun.state === 'mismatch') throw new IdempotencyMismatchError(key);
    let result: SendResult;
    try {
      result = await this.deliver(message, options);
    } catch (error) {
      // Only a refusal proves nothing was sent; after a timeout or reset the claim stays until it
      // expires, so a replay cannot send a second copy of a message Meta may have accepted.
      if (
        toWhatsAppError(error) ||
        (error as { code?: string }).code === 'ABORTED' ||
        error instanceof SenderPausedError
      )
        await this.idempotency.release(scope, key);
      throw error;
    }
    await this.idempotency.complete(scope, key, fingerprint, result);
    return result;
  }

  /** Marks an inbound message as read (blue ticks). */
  async markRead(messageId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!messageId) throw new ValidationError('messageId is required', [{ path: ['messageId'], message: 'required' }]);
    this.assertNotPaused();
    await this.acquireFreshNumberSlot(options.signal ? { signal: options.signal } : {});
    try {
      await this.timedPost({ messaging_product: 'whatsapp', status: 'read', message_id: messageId }, options.signal);
    } catch (error) {
      throw toWhatsAppError(error) ?? error;
    }
  }

  /**
   * The business number's state as Meta reports it (`GET /{phone-number-id}`): connection status,
   * quality rating, throughput level, messaging tier. Throws a WhatsAppApiError (190 → credentials).
   */
  async phoneNumberStatus(options: { signal?: AbortSignal } = {}): Promise<PhoneNumberStatus> {
    try {
      const response = await this.http.request({
        method: 'GET',
        path: `/${this.apiVersion}/${encodeURIComponent(this.phoneNumberId)}`,
        route: '/:version/:phoneNumberId',
        query: { fields: PHONE_NUMBER_FIELDS.join(',') },
        headers: { authorization: `Bearer ${this.accessToken}` },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return toPhoneNumberStatus(PhoneNumberResponse.parse(response.body));
    } catch (error) {
      throw toWhatsAppError(error) ?? error;
    }
  }

  /** The jitter allowance the number is paced by now, ms (the configured one, or wider while lag is measured). */
  get jitterAllowanceMs(): number {
    return this.allowanceMs;
  }

  /** Closes the HTTP client, limiter and store the sender created itself. */
  async close(): Promise<void> {
    this.allowance?.close();
    for (const o of this.owned.splice(0).reverse()) await o.close();
  }

  private async deliver(message: OutgoingMessage, options: SendOptions): Promise<SendResult> {
    const signal = options.signal;
    const acquireOptions = signal ? { signal } : {};
    const nKey = numberKey(this.phoneNumberId);
    const pKey = pairKey(this.phoneNumberId, message.to);
    const pairBackoff = this.options.pairBackoffMs ?? PAIR_BACKOFF_MS;
    const languages =
      message.type === 'template' ? [message.template.language.code, ...(options.fallbackLanguages ?? [])] : [];
    let body = message;
    let attempts = 0;
    let throughputRetries = 0;
    let pairRetries = 0;
    let transient = 0;
    let languageIndex = 0;
    for (;;) {
      this.assertNotPaused();
      attempts++;
      if (this.options.pairRate !== false || this.options.limiter) await this.limiter.acquire(pKey, 1, acquireOptions);
      await this.acquireFreshNumberSlot(acquireOptions);
      try {
        const response = await this.timedPost(body, options.abortInFlight === false ? undefined : signal);
        const parsed = SendResponse.parse(response);
        const sent = parsed.messages[0]!;
        const result: SendResult = {
          messageId: sent.id,
          to: `+${message.to}`,
          waId: parsed.contacts[0]?.wa_id ?? message.to,
          messageStatus: sent.message_status,
          attempts,
          replayed: false,
          ...(body.type === 'template' ? { language: body.template.language.code } : {}),
        };
        this.emit({
          type: 'sent',
          phoneNumberId: this.phoneNumberId,
          to: result.to,
          messageId: result.messageId,
          attempts,
        });
        return result;
      } catch (raw) {
        const error = toWhatsAppError(raw);
        if (!error) throw raw;
        switch (error.category) {
          case 'throughput': {
            if (throughputRetries >= (this.options.throughputRetries ?? 5)) throw this.failed(message, error);
            const penaltyMs = (this.options.throughputPenaltyMs ?? 250) * 2 ** throughputRetries++;
            await this.limiter.penalize(nKey, penaltyMs);
            this.emit({ type: 'throttled', phoneNumberId: this.phoneNumberId, code: 130429, penaltyMs });
            continue;
          }
          case 'pair': {
            const delayMs = pairBackoff[pairRetries];
            if (delayMs === undefined) throw this.failed(message, error);
            pairRetries++;
            // Only this recipient's key is penalized: every other recipient keeps the full rate.
            await this.limiter.penalize(pKey, delayMs);
            this.emit({
              type: 'pair_backoff',
              phoneNumberId: this.phoneNumberId,
              to: `+${message.to}`,
              code: 131056,
              delayMs,
              retry: pairRetries,
            });
            if (this.options.pairRate === false && !this.options.limiter) await sleep(delayMs, signal, BACK_OFF);
            continue;
          }
          case 'transient': {
            if (++transient >= (this.options.transientAttempts ?? 3)) throw this.failed(message, error);
            await sleep(200 * 2 ** transient, signal, BACK_OFF);
            continue;
          }
          case 'spam':
          case 'blocked': {
            this.pause(error.metaCode);
            this.emit({
              type: 'alert',
              phoneNumberId: this.phoneNumberId,
              reason: error.category === 'spam' ? 'spam_rate_limit' : 'policy_block',
              code: error.metaCode,
              pausedUntil: new Date(this.pausedUntil),
            });
            throw this.failed(message, error);
          }
          case 'auth':
            this.emit({ type: 'alert', phoneNumberId: this.phoneNumberId, reason: 'credentials', code: 190 });
            throw this.failed(message, error);
          case 'invalid': {
            if (error.metaCode === 132001 && body.type === 'template' && languageIndex + 1 < languages.length) {
              const from = languages[languageIndex]!;
              const next = languages[++languageIndex]!;
              body = { ...body, template: { ...body.template, language: { ...body.template.language, code: next } } };
              this.emit({
                type: 'template_fallback',
                phoneNumberId: this.phoneNumberId,
                to: `+${message.to}`,
                template: body.template.name,
                from,
                to_language: next,
              });
              continue;
            }
            throw this.failed(message, error);
          }
          default:
            throw this.failed(message, error);
        }
      }
    }
  }

  /**
   * Takes a slot of the number's limiter that is still fresh when the request leaves. The pacing
   * (see {@link numberPacing}) holds for any spread of delays up to `jitterMs` between admission
   * and Meta; half of it is kept for this process. A send that leaves more than that half later
   * after its admission than the quickest recent ones (the process stalled: GC, CPU throttling,
   * descheduling) would reach Meta late, on top of sends admitted after it — so it takes a fresh
   * slot instead and leaves the stale one unused.
   */
  private async acquireFreshNumberSlot(options: { signal?: AbortSignal }): Promise<void> {
    const ownShareMs = (this.options.jitterMs ?? DEFAULT_JITTER_MS) / 2;
    for (;;) {
      const slot = await this.acquireNumberSlot(options);
      const age = this.slotAge(slot);
      this.ageFloor.sample(age);
      // Only the spread of delays matters (the bound holds for delays within [d, d + J]): a slow
      // but steady path to Redis is no reason to throw slots away.
      const lateMs = age - (this.ageFloor.value() ?? age);
      // Written so that a NaN (a limiter with an odd clock) sends rather than spins.
      if (!(lateMs > ownShareMs)) return;
      this.emit({ type: 'stale_slot', phoneNumberId: this.phoneNumberId, lateMs });
    }
  }

  /**
   * How long ago, at most, the limiter admitted `slot` (ms). Always bounded by the time since the
   * admitting call was made; when the limiter reports its clock (`at`: Redis server time), also by
   * the time since `at` on that clock — much tighter when the call waited in Redis' queue before it
   * ran, which is not staleness (the slot was taken late, not early).
   */
  private slotAge(slot: NumberSlot): number {
    const sinceAsked = performance.now() - slot.asked;
    const skew = this.clockSkew.value();
    if (slot.at === undefined || skew === undefined) return sinceAsked;
    return Math.min(sinceAsked, Date.now() - (slot.at + skew));
  }

  /**
   * Takes one slot of the number's limiter and resolves with when the admitting call was made
   * (`performance.now()`: the admission happened after it) and the limiter's admission time.
   * At most `limiterPollers` waiters of this process poll the shared limiter at once, the rest
   * queue locally: dozens of concurrent pollers per worker would turn every freed slot into a
   * thundering herd of Redis round trips. Slots a late poller missed are not lost: the window's
   * small burst lets it take them back to back.
   */
  private async acquireNumberSlot(options: { signal?: AbortSignal }): Promise<NumberSlot> {
    if (this.pollers >= (this.options.limiterPollers ?? 1)) {
      await new Promise<void>((resolve) => this.pollQueue.push(resolve));
    } else {
      this.pollers++;
    }
    try {
      const key = numberKey(this.phoneNumberId);
      // The last admission said when the next slot frees up: sleep until then rather than ask now
      // and be told to wait.
      const wait = this.nextSlotAt - performance.now();
      if (wait >= 1) await sleep(Math.floor(wait), options.signal, BACK_OFF);
      for (;;) {
        throwIfAborted(options.signal, "Waiting for the number's rate limit");
        const cost = this.sendCost();
        const asked = performance.now();
        const askedWall = Date.now();
        const decision = await this.tryAcquireNumber(key, cost);
        if (decision.at !== undefined) this.clockSkew.sample(askedWall - decision.at);
        if (decision.allowed) {
          // `nextInMs` is for one unit; a widened send takes `cost` units, the rest of them later still.
          const extra = decision.nextInMs && this.pacing ? (cost - 1) * (1000 / this.pacing.ratePerSecond) : 0;
          this.nextSlotAt = performance.now() + (decision.nextInMs ?? 0) + extra;
          return { asked, at: decision.at };
        }
        // Whole ms, at least 1: the next attempt is at or just after the moment the slot frees.
        await sleep(Math.max(1, Math.ceil(decision.retryAfterMs)), options.signal, BACK_OFF);
      }
    } finally {
      const next = this.pollQueue.shift();
      if (next) next();
      else this.pollers--;
    }
  }

  /**
   * `tryAcquire` with `cost`; a limiter of your own whose number window has a burst of 1 cannot take a widened
   * (fractional) cost: it then paces by its own window, and this sender stops widening.
   */
  private async tryAcquireNumber(key: string, cost: number): Promise<RateDecision> {
    if (cost === 1) return this.limiter.tryAcquire(key);
    try {
      return await this.limiter.tryAcquire(key, cost);
    } catch (error) {
      if (!isValidationError(error)) throw error;
      this.adaptive = false;
      this.allowanceMs = this.pacing?.jitterMs ?? 0;
      return this.limiter.tryAcquire(key);
    }
  }

  /** Units of the number's limiter one send takes now: 1, or more while the allowance is widened. */
  private sendCost(): number {
    if (!this.allowance || !this.pacing || !this.adaptive) return 1;
    const allowanceMs = this.allowance.allowanceMs();
    if (allowanceMs !== this.allowanceMs) {
      this.allowanceMs = allowanceMs;
      this.emit({
        type: 'pacing',
        phoneNumberId: this.phoneNumberId,
        jitterMs: allowanceMs,
        lagMs: Math.round(this.allowance.lagMs * 10) / 10,
        ratePerSecond: this.pacing.ratePerSecond / numberSendCost(this.pacing, allowanceMs),
      });
    }
    return numberSendCost(this.pacing, allowanceMs);
  }

  /** Posts and records the round trip (an answer, success or Graph error, is one; a network failure is not). */
  private async timedPost(json: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const started = performance.now();
    try {
      const body = await this.post(json, signal);
      this.allowance?.roundTrip(performance.now() - started);
      return body;
    } catch (error) {
      if (toWhatsAppError(error)) this.allowance?.roundTrip(performance.now() - started);
      throw error;
    }
  }

  private async post(json: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const response = await this.http.request({
      method: 'POST',
      path: this.path,
      route: '/:version/:phoneNumberId/messages',
      json,
      headers: { authorization: `Bearer ${this.accessToken}` },
      idempotent: false,
      ...(signal ? { signal } : {}),
    });
    return response.body;
  }

  private pause(code: number): void {
    this.pausedUntil = Date.now() + (this.options.pauseMs ?? 15 * 60_000);
    this.pauseCode = code;
    // Every worker sharing the limiter stops too.
    void this.limiter
      .penalize(numberKey(this.phoneNumberId), this.options.pauseMs ?? 15 * 60_000)
      .catch(() => undefined);
  }

  private assertNotPaused(): void {
    if (this.pausedUntil > Date.now())
      throw new SenderPausedError(this.phoneNumberId, new Date(this.pausedUntil), this.pauseCode);
  }

  private failed(message: OutgoingMessage, error: WhatsAppApiError): WhatsAppApiError {
    this.emit({ type: 'failed', phoneNumberId: this.phoneNumberId, to: `+${message.to}`, code: error.metaCode });
    return error;
  }

  private emit(event: SenderEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* a listener's failure must not fail the send */
      }
    }
  }

  private own<T extends { close(): Promise<void> }>(x: T): T {
    this.owned.push(x);
    return x;
  }
}

/** The {@link WhatsAppRateOptions} among a sender's options. */
export function rateOptions(options: WhatsAppSenderOptions): WhatsAppRateOptions {
  const out: WhatsAppRateOptions = {};
  if (options.messagesPerSecond !== undefined) out.messagesPerSecond = options.messagesPerSecond;
  if (options.jitterMs !== undefined) out.jitterMs = options.jitterMs;
  if (options.catchUpMs !== undefined) out.catchUpMs = options.catchUpMs;
  if (options.inboundReserve !== undefined) out.inboundReserve = options.inboundReserve;
  if (options.pairRate !== undefined) out.pairRate = options.pairRate;
  return out;
}

/** The number's pacing for these options, or undefined when they do not derive one (then nothing adapts). */
function tryNumberPacing(options: WhatsAppRateOptions): NumberPacing | undefined {
  try {
    return numberPacing(options);
  } catch {
    return undefined;
  }
}

/** A slot of the number's limiter: when the admitting call was made (`performance.now()`) and the limiter's admission time. */
interface NumberSlot {
  asked: number;
  at?: number | undefined;
}

/**
 * The largest (or smallest) value sampled in the last one to two seconds: recent enough to follow a
 * drifting clock (NTP slews ≤ 0.5 ms/s) or a changed network path, long enough to see fast samples.
 */
class RecentExtreme {
  private epoch = -1;
  private current: number | undefined;
  private previous: number | undefined;

  constructor(private readonly pick: (a: number, b: number) => number) {}

  sample(value: number): void {
    const epoch = Math.floor(performance.now() / 1000);
    if (epoch !== this.epoch) {
      this.previous = epoch === this.epoch + 1 ? this.current : undefined;
      this.current = undefined;
      this.epoch = epoch;
    }
    this.current = this.current === undefined ? value : this.pick(this.current, value);
  }

  value(): number | undefined {
    const epoch = Math.floor(performance.now() / 1000);
    const values =
      epoch === this.epoch ? [this.current, this.previous] : epoch === this.epoch + 1 ? [this.current] : [];
    const known = values.filter((v): v is number => v !== undefined);
    return known.length === 0 ? undefined : known.reduce((a, b) => this.pick(a, b));
  }
}

/** Names every wait of a send in its AbortedError ("Back-off wait was aborted"). */
const BACK_OFF = 'Back-off wait';

// Messages this module validated and normalised itself: a broadcast prepares each message once.
const prepared = new WeakSet<object>();
