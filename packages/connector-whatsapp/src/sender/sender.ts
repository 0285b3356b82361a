import { createHash } from 'node:crypto';
import {
  HttpClient,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  ValidationError,
  createIdempotencyStore,
  createRateLimiter,
  sleep,
  toValidationError,
  type HttpRequester,
  type IdempotencyStore,
  type RateLimiter,
} from '@relaykit/sdk-core';
import { SenderPausedError, toWhatsAppError, type WhatsAppApiError } from '../errors/index.js';
import {
  PHONE_NUMBER_FIELDS,
  PhoneNumberResponse,
  toPhoneNumberStatus,
  type PhoneNumberStatus,
} from '../health/status.js';
import { OutgoingMessage, SendResponse, type OutgoingMessageInput } from '../messages/schema.js';
import { normalizePhoneNumber, toWaId } from '../phone/index.js';
import { AdaptivePacing } from './adaptive-pacing.js';
import type { SenderEvent, SenderListener } from './events.js';
import { NumberSlots } from './number-slots.js';
import { rateOptions, tryNumberPacing, type WhatsAppSenderOptions } from './options.js';
import { BACK_OFF, SendRetries } from './retry.js';
import { DEFAULT_JITTER_MS, numberKey, pairKey, whatsAppRateRules } from './rules.js';
import type { SendOptions, SendResult } from './send-types.js';

export type { WhatsAppSenderOptions } from './options.js';
export type { SendOptions, SendResult } from './send-types.js';

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
  private pauseCode = 0;
  private accessToken: string;
  private readonly pacing: AdaptivePacing;
  private readonly slots: NumberSlots;

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
    const pacing = tryNumberPacing(rateOptions(options));
    this.pacing = new AdaptivePacing(pacing, options, (change) =>
      this.emit({ type: 'pacing', phoneNumberId: this.phoneNumberId, ...change }),
    );
    this.slots = new NumberSlots({
      limiter: this.limiter,
      key: numberKey(this.phoneNumberId),
      pacing,
      adaptive: this.pacing,
      jitterMs: options.jitterMs ?? DEFAULT_JITTER_MS,
      pollers: options.limiterPollers ?? 1,
      onStale: (lateMs) => this.emit({ type: 'stale_slot', phoneNumberId: this.phoneNumberId, lateMs }),
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
    await this.slots.acquireFresh(options.signal ? { signal: options.signal } : {});
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
    return this.pacing.allowanceMs;
  }

  /** Closes the HTTP client, limiter and store the sender created itself. */
  async close(): Promise<void> {
    this.pacing.close();
    for (const o of this.owned.splice(0).reverse()) await o.close();
  }

  private async deliver(message: OutgoingMessage, options: SendOptions): Promise<SendResult> {
    const signal = options.signal;
    const acquireOptions = signal ? { signal } : {};
    const pKey = pairKey(this.phoneNumberId, message.to);
    const retries = new SendRetries(
      this.options,
      message.type === 'template' ? [message.template.language.code, ...(options.fallbackLanguages ?? [])] : [],
    );
    let body = message;
    let attempts = 0;
    for (;;) {
      this.assertNotPaused();
      attempts++;
      if (this.options.pairRate !== false || this.options.limiter) await this.limiter.acquire(pKey, 1, acquireOptions);
      await this.slots.acquireFresh(acquireOptions);
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
        const step = retries.next(error);
        switch (step.kind) {
          case 'throttle':
            await this.limiter.penalize(numberKey(this.phoneNumberId), step.penaltyMs);
            this.emit({
              type: 'throttled',
              phoneNumberId: this.phoneNumberId,
              code: 130429,
              penaltyMs: step.penaltyMs,
            });
            continue;
          case 'pair_backoff':
            // Only this recipient's key is penalized: every other recipient keeps the full rate.
            await this.limiter.penalize(pKey, step.delayMs);
            this.emit({
              type: 'pair_backoff',
              phoneNumberId: this.phoneNumberId,
              to: `+${message.to}`,
              code: 131056,
              delayMs: step.delayMs,
              retry: step.retry,
            });
            if (this.options.pairRate === false && !this.options.limiter) await sleep(step.delayMs, signal, BACK_OFF);
            continue;
          case 'transient':
            this.emit({
              type: 'retrying',
              phoneNumberId: this.phoneNumberId,
              to: `+${message.to}`,
              code: error.metaCode,
              delayMs: step.delayMs,
            });
            await sleep(step.delayMs, signal, BACK_OFF);
            continue;
          case 'fallback':
            if (body.type !== 'template') throw this.failed(message, error);
            body = { ...body, template: { ...body.template, language: { ...body.template.language, code: step.to } } };
            this.emit({
              type: 'template_fallback',
              phoneNumberId: this.phoneNumberId,
              to: `+${message.to}`,
              template: body.template.name,
              from: step.from,
              to_language: step.to,
            });
            continue;
          case 'pause':
            this.pause(error.metaCode);
            this.emit({
              type: 'alert',
              phoneNumberId: this.phoneNumberId,
              reason: step.reason,
              code: error.metaCode,
              pausedUntil: new Date(this.pausedUntil),
            });
            throw this.failed(message, error);
          case 'credentials':
            this.emit({ type: 'alert', phoneNumberId: this.phoneNumberId, reason: 'credentials', code: 190 });
            throw this.failed(message, error);
          default:
            throw this.failed(message, error);
        }
      }
    }
  }

  /** Posts and records the round trip (an answer, success or Graph error, is one; a network failure is not). */
  private async timedPost(json: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const started = performance.now();
    try {
      const body = await this.post(json, signal);
      this.pacing.roundTrip(performance.now() - started);
      return body;
    } catch (error) {
      if (toWhatsAppError(error)) this.pacing.roundTrip(performance.now() - started);
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

// Messages this module validated and normalised itself: a broadcast prepares each message once.
const prepared = new WeakSet<object>();
