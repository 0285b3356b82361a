import { createIdempotencyStore } from '@relaykit/sdk-core';
import { afterEach, expect, it } from 'vitest';
import { WhatsAppSender } from '../sender/sender.js';
import { startFakeGraph, type FakeGraph } from '../testing/index.js';
import { BROADCAST_JOURNAL_SCOPE, broadcastJournalKey, broadcastTemplate, type BroadcastProgress } from './index.js';

let fake: FakeGraph | undefined;
let sender: WhatsAppSender | undefined;
afterEach(async () => {
  await sender?.close();
  await fake?.close();
});

it('broadcasts with language fallback, per-recipient results, invalid numbers reported, and progress', async () => {
  fake = await startFakeGraph({
    throughputPerSecond: 1000,
    templates: [
      { name: 'holiday', language: 'en_US', bodyParameters: 1 },
      { name: 'holiday', language: 'ne', bodyParameters: 1 },
      { name: 'only_en', language: 'en_US', bodyParameters: 0 },
    ],
  });
  sender = new WhatsAppSender({
    phoneNumberId: 'PNID',
    accessToken: fake.accessToken,
    baseUrl: fake.url,
    defaultRegion: 'NP',
    messagesPerSecond: 1000,
  });
  const progress: BroadcastProgress[] = [];
  const recipients = [
    ...Array.from({ length: 50 }, (_, i) => ({
      to: `98${String(20_000_000 + i)}`,
      language: i % 2 ? 'ne' : 'en_US',
      body: [{ type: 'text' as const, text: i % 2 ? 'दशैं' : 'Dashain' }],
    })),
    { to: '12345', body: [{ type: 'text' as const, text: 'x' }] },
  ];
  const result = await broadcastTemplate(sender, {
    broadcastId: 'dashain',
    template: { name: 'holiday', language: 'en_US' },
    recipients,
    onProgress: (p) => progress.push(p),
    progressIntervalMs: 0,
  });
  expect(result).toMatchObject({ total: 51, sent: 50, invalid: 1, failed: 0, aborted: false });
  expect(result.results[50]).toMatchObject({ status: 'invalid', error: { code: 'VALIDATION' } });
  expect(result.results[1]).toMatchObject({ status: 'sent', language: 'ne', to: '+9779820000001' });
  expect(progress.at(-1)).toMatchObject({ done: 51, sent: 50 });
  expect(fake.messages).toHaveLength(50);

  // A template missing in Nepali falls back to English for Nepali-speaking parents.
  const fallback = await broadcastTemplate(sender, {
    broadcastId: 'only-en',
    template: { name: 'only_en', language: 'ne', fallbackLanguages: ['en_US'] },
    recipients: [{ to: '9820000100' }],
  });
  expect(fallback.results[0]).toMatchObject({ status: 'sent', language: 'en_US' });
});

it('resumes after an abort without re-sending (shared idempotency store)', async () => {
  fake = await startFakeGraph({ throughputPerSecond: 1000 });
  const idempotency = createIdempotencyStore();
  sender = new WhatsAppSender({
    phoneNumberId: 'PNID',
    accessToken: fake.accessToken,
    baseUrl: fake.url,
    defaultRegion: 'NP',
    messagesPerSecond: 200,
    idempotency,
  });
  const recipients = Array.from({ length: 120 }, (_, i) => ({ to: `98${String(40_000_000 + i)}` }));
  const stop = new AbortController();
  const first = await broadcastTemplate(sender, {
    broadcastId: 'b1',
    template: { name: 'notice', language: 'en_US' },
    recipients,
    signal: stop.signal,
    concurrency: 8,
    progressIntervalMs: 0,
    onProgress: (p) => {
      if (p.done >= 40) stop.abort();
    },
  });
  expect(first.results.find((r) => r.status !== 'sent' && r.status !== 'not_attempted')).toBeUndefined();
  expect(first.aborted).toBe(true);
  expect(first.results.filter((r) => r.status === 'not_attempted').length).toBeGreaterThan(0);
  const second = await broadcastTemplate(sender, {
    broadcastId: 'b1',
    template: { name: 'notice', language: 'en_US' },
    recipients,
  });
  expect(second.alreadySent).toBe(first.sent);
  expect(second.sent + second.alreadySent).toBe(120);
  expect([...fake.countByRecipient().values()].every((c) => c === 1)).toBe(true);
  expect(fake.messages).toHaveLength(120);
  await idempotency.close();
});

it('with a journal, a send whose outcome is unknown is reported in flight and never resent on its own', async () => {
  fake = await startFakeGraph({
    throughputPerSecond: 1000,
    templates: [{ name: 'notice', language: 'en_US', bodyParameters: 0 }],
  });
  const journal = createIdempotencyStore();
  // The sender's own claims expire at once: only the journal can stop a resend.
  sender = new WhatsAppSender({
    phoneNumberId: 'PNID',
    accessToken: fake.accessToken,
    baseUrl: fake.url,
    defaultRegion: 'NP',
    messagesPerSecond: 1000,
    idempotency: createIdempotencyStore(),
  });
  const recipients = [{ to: '9820000201' }, { to: '9820000202' }, { to: '9820000203' }];
  // A run killed mid-request left this one started and never finished.
  await journal.begin(BROADCAST_JOURNAL_SCOPE, broadcastJournalKey('b2', '+9779820000202'), 'attempt', {
    lockTtlMs: 60_000,
  });
  const options = {
    broadcastId: 'b2',
    template: { name: 'notice', language: 'en_US' },
    recipients,
    journal,
    inFlightLockMs: 1,
  };
  const first = await broadcastTemplate(sender, options);
  expect(first.results.map((r) => r.status)).toEqual(['sent', 'in_flight', 'sent']);
  expect(first.results[1]).toMatchObject({ to: '+9779820000202', error: { code: 'BROADCAST_OUTCOME_UNKNOWN' } });
  expect(first).toMatchObject({ sent: 2, inFlight: 1 });

  const again = await broadcastTemplate(sender, options);
  expect(again.results.map((r) => r.status)).toEqual(['already_sent', 'in_flight', 'already_sent']);
  expect(again.results[0]!.messageId).toBe(first.results[0]!.messageId);
  expect(fake.messages).toHaveLength(2);

  // After review, the operator resends it on purpose.
  const resent = await broadcastTemplate(sender, { ...options, resendInFlight: true });
  expect(resent.results.map((r) => r.status)).toEqual(['already_sent', 'sent', 'already_sent']);
  expect(fake.messages).toHaveLength(3);
  expect([...fake.countByRecipient().values()].every((c) => c === 1)).toBe(true);
  await journal.close();
});

it('with a journal, a send Meta refused stays retryable by the next run', async () => {
  fake = await startFakeGraph({
    throughputPerSecond: 1000,
    templates: [{ name: 'notice', language: 'en_US', bodyParameters: 0 }],
  });
  const journal = createIdempotencyStore();
  sender = new WhatsAppSender({
    phoneNumberId: 'PNID',
    accessToken: fake.accessToken,
    baseUrl: fake.url,
    defaultRegion: 'NP',
    messagesPerSecond: 1000,
  });
  const options = {
    broadcastId: 'b3',
    template: { name: 'no_such_template', language: 'en_US' },
    recipients: [{ to: '9820000301' }],
    journal,
  };
  const first = await broadcastTemplate(sender, options);
  expect(first.results[0]).toMatchObject({ status: 'failed', error: { metaCode: expect.any(Number) } });
  // Refused by Meta means not sent: the journal does not hold it as unknown.
  const second = await broadcastTemplate(sender, options);
  expect(second.results[0]!.status).toBe('failed');
  expect(fake.messages).toHaveLength(0);
  await journal.close();
});
