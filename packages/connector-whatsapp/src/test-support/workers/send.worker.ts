// A worker process for the multi-process limit test: waits for "go" on stdin, then sends its
// share of messages through the shared Redis limiter and prints a JSON summary.
import { createInterface } from 'node:readline';
import { WhatsAppSender } from '../../sender/sender.js';
import { message, param } from '../../messages/index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const index = Number(env('WORKER_INDEX'));
const count = Number(env('COUNT'));
const sender = new WhatsAppSender({
  phoneNumberId: 'PNID',
  accessToken: env('TOKEN'),
  baseUrl: env('FAKE_URL'),
  redisUrl: env('REDIS_URL'),
  prefix: env('PREFIX'),
  messagesPerSecond: Number(env('MPS')),
  defaultRegion: 'NP',
  ...(process.env.JITTER_MS ? { jitterMs: Number(process.env.JITTER_MS) } : {}),
});
let throttled = 0;
let staleSlots = 0;
let widestJitterMs = 0;
sender.on((e) => {
  if (e.type === 'throttled') throttled++;
  if (e.type === 'stale_slot') staleSlots++;
  if (e.type === 'pacing') widestJitterMs = Math.max(widestJitterMs, e.jitterMs);
});

// A long-running worker is warm; a fresh one's first requests pay for lazy initialisation (module
// loading, JIT of the send path, the Redis and HTTP connections) and would arrive late, bunched with
// later ones. Warm the whole path on another phone number (its own limiter key, unlimited at the fake).
const warm = new WhatsAppSender({
  phoneNumberId: 'WARM',
  accessToken: env('TOKEN'),
  baseUrl: env('FAKE_URL'),
  redisUrl: env('REDIS_URL'),
  prefix: env('PREFIX'),
  messagesPerSecond: 1000,
  defaultRegion: 'NP',
});
await Promise.all(
  Array.from({ length: 40 }, (_, i) =>
    warm.send(
      message.template(`+97798${String(index).padStart(2, '0')}9${String(i).padStart(5, '0')}`, 'notice', 'en_US', {
        body: [param.text('warm-up')],
      }),
    ),
  ),
);
await warm.close();
await sender.markRead('wamid.warmup');
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
widestJitterMs = sender.jitterAllowanceMs;

let next = 0;
let sent = 0;
const errors: string[] = [];
await Promise.all(
  Array.from({ length: 16 }, async () => {
    for (let i = next++; i < count; i = next++) {
      const to = `+97798${String(index).padStart(2, '0')}${String(i).padStart(6, '0')}`;
      try {
        await sender.send(message.template(to, 'notice', 'en_US', { body: [param.text(`worker ${index} #${i}`)] }));
        sent++;
      } catch (error) {
        errors.push(String((error as Error).message));
      }
    }
  }),
);
await sender.close();
process.stdout.write(
  `${JSON.stringify({ index, sent, throttled, staleSlots, widestJitterMs, errors: errors.slice(0, 5), errorCount: errors.length })}\n`,
);
