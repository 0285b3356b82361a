import { afterEach, expect, it } from 'vitest';
import { message, param } from '../messages/index.js';
import { startFakeGraph, type FakeGraph } from '../testing/index.js';
import type { SenderEvent } from './events.js';
import { WhatsAppSender } from './sender.js';

let fake: FakeGraph | undefined;
let sender: WhatsAppSender | undefined;
afterEach(async () => {
  await sender?.close();
  await fake?.close();
});

it('a 131056 backs off only its recipient (1, 4, 16, 64 scaled) while the others go at full rate', async () => {
  fake = await startFakeGraph({ throughputPerSecond: 1000 });
  sender = new WhatsAppSender({
    phoneNumberId: 'PNID',
    accessToken: fake.accessToken,
    baseUrl: fake.url,
    messagesPerSecond: 1000,
    pairBackoffMs: [100, 400, 1600, 6400],
  });
  const events: SenderEvent[] = [];
  sender.on((e) => events.push(e));
  const hot = '+9779841000001';
  const tpl = (to: string, i: number) => message.template(to, 'notice', 'en_US', { body: [param.text(`#${i}`)] });
  // Meta refuses the hot recipient twice with 131056 (its pair limit counts messages we cannot see).
  fake.failNext(131056, { to: hot, times: 2 });
  const done = new Map<string, number>();
  const t0 = performance.now();
  await Promise.all([
    (async () => {
      await sender!.send(tpl(hot, 0));
      done.set('hot0', performance.now() - t0);
    })(),
    ...Array.from({ length: 40 }, async (_, i) => {
      const to = `+97798420${String(i).padStart(5, '0')}`;
      await sender!.send(tpl(to, i));
      done.set(to, performance.now() - t0);
    }),
  ]);
  const backoffs = events.filter((e): e is Extract<SenderEvent, { type: 'pair_backoff' }> => e.type === 'pair_backoff');
  expect(backoffs.map((e) => [e.to, e.delayMs])).toEqual([
    [hot, 100],
    [hot, 400],
  ]);
  expect(events.some((e) => e.type === 'throttled')).toBe(false);
  const others = [...done].filter(([k]) => !k.startsWith('hot')).map(([, t]) => t);
  const hotDone = done.get('hot0')!;
  expect(hotDone).toBeGreaterThanOrEqual(500);
  expect(Math.max(...others)).toBeLessThan(hotDone);
  expect(fake.countByRecipient().get(hot.slice(1))).toBe(1);
  expect(fake.errorCount(131056)).toBe(2);
});
