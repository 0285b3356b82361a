import {
  MemoryRateLimiter,
  isAbortedError,
  isIdempotencyInFlightError,
  isValidationError,
  type RateLimiter,
} from '@relaykit/sdk-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isSenderPausedError,
  isTemplateRequiredError,
  isWhatsAppApiError,
  isWhatsAppCredentialsError,
} from '../errors/index.js';
import { message, param } from '../messages/index.js';
import { startFakeGraph, type FakeGraph } from '../testing/index.js';
import type { SenderEvent } from './events.js';
import { whatsAppRateRules } from './rules.js';
import { WhatsAppSender, type WhatsAppSenderOptions } from './sender.js';

let fake: FakeGraph;
let sender: WhatsAppSender;
let events: SenderEvent[];
const make = (options: Partial<WhatsAppSenderOptions> = {}) => {
  sender = new WhatsAppSender({
    phoneNumberId: 'PNID',
    accessToken: fake.accessToken,
    baseUrl: fake.url,
    defaultRegion: 'NP',
    pairBackoffMs: [20, 80, 320, 1280],
    throughputPenaltyMs: 20,
    ...options,
  });
  events = [];
  sender.on((e) => events.push(e));
  return sender;
};

beforeEach(async () => {
  fake = await startFakeGraph({
    throughputPerSecond: 1000,
    templates: [
      { name: 'fee_reminder', language: 'en_US', bodyParameters: ['student_name', 'amount', 'due'] },
      { name: 'fee_reminder', language: 'ne', bodyParameters: ['student_name', 'amount', 'due'] },
      { name: 'notice', language: 'en_US', bodyParameters: 1 },
    ],
  });
});
afterEach(async () => {
  await sender?.close();
  await fake.close();
});

describe('WhatsAppSender', () => {
  it('an abort during a back-off rejects with an AbortedError naming the wait, and sends nothing more', async () => {
    make({ transientAttempts: 3 });
    fake.failNext(131000);
    const controller = new AbortController();
    // The first attempt failed (131000): the sender says so as it starts waiting before the second.
    const waiting = new Promise((resolve) => sender.on((e) => e.type === 'retrying' && resolve(e)));
    const sent = sender.send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('a')] }), {
      signal: controller.signal,
    });
    expect(await waiting).toMatchObject({ type: 'retrying', code: 131000, to: '+9779841234567' });
    expect(fake.errorCount(131000)).toBe(1);
    controller.abort(new Error('shutting down'));
    const error = await sent.catch((e: unknown) => e);
    expect(isAbortedError(error)).toBe(true);
    expect((error as Error).message).toBe('Back-off wait was aborted');
    expect((error as Error).cause).toEqual(new Error('shutting down'));
    expect(fake.messages).toHaveLength(0);
  });

  it('sends a template with named, currency and date_time parameters to a normalised number', async () => {
    make();
    const result = await sender.send(
      message.template('9841234567', 'fee_reminder', 'ne', {
        body: {
          student_name: 'सीता',
          amount: param.currency(1500.5, 'NPR', 'रु 1,500.50'),
          due: param.dateTime('२०८१ मंसिर १५'),
        },
      }),
    );
    expect(result).toMatchObject({
      to: '+9779841234567',
      waId: '9779841234567',
      replayed: false,
      attempts: 1,
      language: 'ne',
    });
    expect(result.messageId).toMatch(/^wamid\./);
    const sent = fake.messages[0]!;
    expect(sent.to).toBe('9779841234567');
    expect(sent.body).toMatchObject({
      template: {
        components: [
          {
            type: 'body',
            parameters: [
              { parameter_name: 'student_name', text: 'सीता' },
              { currency: { amount_1000: 1500500, code: 'NPR' } },
              { type: 'date_time' },
            ],
          },
        ],
      },
    });
  });

  it('rejects invalid numbers and messages before any call', async () => {
    make();
    const tries = [
      message.text('12345', 'hi'),
      message.text('9841234567', 'x'.repeat(4097)),
      message.buttons('9841234567', 'Choose', [{ id: 'a', title: 'this title is far too long' }]),
      message.buttons(
        '9841234567',
        'Choose',
        [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}` })),
      ),
      message.list('9841234567', 'Pick', 'Classes', [
        { title: 'All', rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` })) },
      ]),
      message.list('9841234567', 'Pick', 'Classes', [{ rows: [{ id: 'r', title: 'R', description: 'd'.repeat(73) }] }]),
      { to: '9841234567', type: 'image', image: { id: '123', link: 'https://x.example/a.png' } } as never,
      { to: '9841234567', type: 'image', image: {} } as never,
    ];
    for (const m of tries) {
      const error = await sender.send(m).catch((e: unknown) => e);
      expect(isValidationError(error), JSON.stringify(m).slice(0, 80)).toBe(true);
    }
    expect(fake.messages).toHaveLength(0);
    expect(fake.rejections).toHaveLength(0);
  });

  it('sends text, buttons, lists, media and replies inside the customer-service window, and marks read', async () => {
    make();
    const inbound = await fake.inbound('9779841234567', 'Is school open?');
    const shapes = [
      message.text('9841234567', 'Yes — see https://school.example/notice', { previewUrl: true, replyTo: inbound }),
      message.buttons('9841234567', 'Will your child attend?', [
        { id: 'yes', title: 'Yes' },
        { id: 'no', title: 'No' },
      ]),
      message.list('9841234567', 'Pick a class', 'Classes', [
        { title: 'Primary', rows: [{ id: 'g1', title: 'Grade 1' }] },
        { title: 'Secondary', rows: [{ id: 'g9', title: 'Grade 9', description: 'Science' }] },
      ]),
      message.media('9841234567', 'document', {
        link: 'https://school.example/report.pdf',
        filename: 'report.pdf',
        caption: 'Report',
      }),
      message.media('9841234567', 'image', { id: '1234567890' }),
    ];
    for (const m of shapes) await sender.send(m);
    expect(fake.messages.map((m) => m.type)).toEqual(['text', 'interactive', 'interactive', 'document', 'image']);
    expect(fake.messages[0]!.body.context).toEqual({ message_id: inbound });
    await sender.markRead(inbound);
    expect(fake.reads).toEqual([inbound]);
  });

  it('turns 131047, 190 and template errors into typed, non-retried errors', async () => {
    make();
    const outside = await sender.send(message.text('9841234567', 'hi')).catch((e: unknown) => e);
    expect(isTemplateRequiredError(outside)).toBe(true);
    const wrong = await sender
      .send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('a'), param.text('b')] }))
      .catch((e: unknown) => e);
    expect(isWhatsAppApiError(wrong, 132000)).toBe(true);
    fake.expireToken();
    const expired = await sender
      .send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('a')] }))
      .catch((e: unknown) => e);
    expect(isWhatsAppCredentialsError(expired)).toBe(true);
    expect(events.some((e) => e.type === 'alert' && e.reason === 'credentials')).toBe(true);
    expect(fake.rejections.map((r) => r.code)).toEqual([131047, 132000, 190]);
  });

  it('falls back to the next template language on 132001', async () => {
    make();
    const r = await sender.send(message.template('9841234567', 'notice', 'ne', { body: [param.text('Holiday')] }), {
      fallbackLanguages: ['en_US'],
    });
    expect(r.language).toBe('en_US');
    expect(events.some((e) => e.type === 'template_fallback')).toBe(true);
  });

  it('pauses the sender and alerts on 131048', async () => {
    make({ pauseMs: 60_000 });
    fake.failNext(131048);
    const first = await sender
      .send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('a')] }))
      .catch((e: unknown) => e);
    expect(isWhatsAppApiError(first, 131048)).toBe(true);
    expect(events.find((e) => e.type === 'alert')).toMatchObject({ reason: 'spam_rate_limit', code: 131048 });
    const second = await sender
      .send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('a')] }))
      .catch((e: unknown) => e);
    expect(isSenderPausedError(second)).toBe(true);
    expect(fake.messages).toHaveLength(0);
  });

  it('penalizes the number and retries after 130429', async () => {
    make();
    fake.failNext(130429, { times: 2 });
    const r = await sender.send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('a')] }));
    expect(r.attempts).toBe(3);
    expect(events.filter((e) => e.type === 'throttled')).toHaveLength(2);
  });

  it('sends a keyed message once, replays the result, and refuses a different message under the same key', async () => {
    make();
    const m = message.template('9841234567', 'notice', 'en_US', { body: [param.text('a')] });
    const [a, b] = await Promise.allSettled([
      sender.send(m, { idempotencyKey: 'k1' }),
      sender.send(m, { idempotencyKey: 'k1' }),
    ]);
    const ok = [a, b].filter((x) => x.status === 'fulfilled');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const x of [a, b]) if (x.status === 'rejected') expect(isIdempotencyInFlightError(x.reason)).toBe(true);
    const again = await sender.send(m, { idempotencyKey: 'k1' });
    expect(again.replayed).toBe(true);
    expect(fake.messages).toHaveLength(1);
    await sender.send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('c')] }), {
      sourceId: 'row-7',
    });
    expect(
      (
        await sender.send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('c')] }), {
          sourceId: 'row-7',
        })
      ).replayed,
    ).toBe(true);
    expect(fake.messages).toHaveLength(2);
    const other = await sender
      .send(message.template('9841234567', 'notice', 'en_US', { body: [param.text('b')] }), { idempotencyKey: 'k1' })
      .catch((e: unknown) => e);
    expect((other as { code?: string }).code).toBe('IDEMPOTENCY_MISMATCH');
  });

  it('a send that left more than half the jitter allowance later than the quickest recent ones takes a fresh slot', async () => {
    const inner = new MemoryRateLimiter({ rules: whatsAppRateRules({ messagesPerSecond: 1000, pairRate: false }) });
    const asked: string[] = [];
    let stallMs = 0;
    // Stands for a process descheduled between the limiter's answer and the request leaving.
    const limiter: RateLimiter = {
      async tryAcquire(key, cost) {
        const decision = await inner.tryAcquire(key, cost);
        asked.push(key);
        if (decision.allowed && stallMs > 0) {
          await new Promise((r) => setTimeout(r, stallMs));
          stallMs = 0;
        }
        return decision;
      },
      acquire: (key, cost, options) => inner.acquire(key, cost, options),
      penalize: (key, ms) => inner.penalize(key, ms),
      close: () => inner.close(),
    };
    make({ limiter, jitterMs: 100, pairRate: false });
    const send = (to: string) => sender.send(message.template(to, 'notice', 'en_US', { body: [param.text(to)] }));
    await send('9841234560');
    stallMs = 120;
    await send('9841234567');
    const stale = events.filter((e) => e.type === 'stale_slot');
    expect(stale).toEqual([{ type: 'stale_slot', phoneNumberId: 'PNID', lateMs: expect.any(Number) }]);
    expect((stale[0] as { lateMs: number }).lateMs).toBeGreaterThan(50);
    expect(asked).toEqual(['number:PNID', 'number:PNID', 'number:PNID']);
    // A prompt send keeps its slot.
    await send('9841234568');
    expect(events.filter((e) => e.type === 'stale_slot')).toHaveLength(1);
    expect(asked).toHaveLength(4);
    expect(fake.messages).toHaveLength(3);
  });

  it('a limiter call that waited before it ran (a busy Redis) is not a stale slot: the admission time says so', async () => {
    const inner = new MemoryRateLimiter({ rules: whatsAppRateRules({ messagesPerSecond: 1000, pairRate: false }) });
    let calls = 0;
    const limiter: RateLimiter = {
      async tryAcquire(key, cost) {
        // The third call is queued 120 ms before the limiter runs it: its `at` is when it admitted.
        if (++calls === 3) await new Promise((r) => setTimeout(r, 120));
        return inner.tryAcquire(key, cost);
      },
      acquire: (key, cost, options) => inner.acquire(key, cost, options),
      penalize: (key, ms) => inner.penalize(key, ms),
      close: () => inner.close(),
    };
    make({ limiter, jitterMs: 100, pairRate: false });
    for (const to of ['9841234567', '9841234568', '9841234569'])
      await sender.send(message.template(to, 'notice', 'en_US', { body: [param.text('a')] }));
    expect(events.filter((e) => e.type === 'stale_slot')).toEqual([]);
    expect(calls).toBe(3);
  });

  it('keeps judging slots across second boundaries (the recent floor and skew span two seconds)', async () => {
    make({ messagesPerSecond: 1000, pairRate: false });
    const send = (i: number) =>
      sender.send(
        message.template(`98412346${String(i).padStart(2, '0')}`, 'notice', 'en_US', { body: [param.text('a')] }),
      );
    // Sends in three consecutive seconds, so both the current and the previous second hold samples.
    for (let i = 0; i < 3; i++) {
      await send(i);
      await new Promise((r) => setTimeout(r, 1000 - (performance.now() % 1000) + 20));
    }
    await send(3);
    expect(events.filter((e) => e.type === 'stale_slot')).toEqual([]);
    expect(fake.messages).toHaveLength(4);
  }, 10_000);

  it('a steadily slow limiter (a distant Redis) costs no slots: only the spread of delays counts', async () => {
    const inner = new MemoryRateLimiter({ rules: whatsAppRateRules({ messagesPerSecond: 1000, pairRate: false }) });
    let calls = 0;
    const limiter: RateLimiter = {
      async tryAcquire(key, cost) {
        calls++;
        const decision = await inner.tryAcquire(key, cost);
        // Every answer takes 80 ms to come back (after admission): slow, but the same for every send.
        await new Promise((r) => setTimeout(r, 80));
        return decision;
      },
      acquire: (key, cost, options) => inner.acquire(key, cost, options),
      penalize: (key, ms) => inner.penalize(key, ms),
      close: () => inner.close(),
    };
    make({ limiter, jitterMs: 100, pairRate: false });
    await Promise.all(
      ['9841234567', '9841234568', '9841234569'].map((to) =>
        sender.send(message.template(to, 'notice', 'en_US', { body: [param.text('a')] })),
      ),
    );
    expect(events.filter((e) => e.type === 'stale_slot')).toEqual([]);
    expect(calls).toBe(3);
    expect(fake.messages).toHaveLength(3);
  });
});
