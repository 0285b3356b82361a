// A broadcast process for the kill-and-restart tests: broadcasts to RECIPIENTS numbers with its
// progress in Redis, and stops dispatching on SIGTERM (requests on the wire finish and are recorded).
// JOURNAL=1 records each send in a Redis journal (see BroadcastOptions.journal); IN_FLIGHT_LOCK_MS
// sets the sender's in-flight claim; the result line lists the numbers of each status.
import { createIdempotencyStore } from '@relaykit/sdk-core';
import { WhatsAppSender } from '../../sender/sender.js';
import { broadcastTemplate } from '../../broadcast/index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort(new Error('SIGTERM')));
const sender = new WhatsAppSender({
  phoneNumberId: 'PNID',
  accessToken: env('TOKEN'),
  baseUrl: env('FAKE_URL'),
  redisUrl: env('REDIS_URL'),
  prefix: env('PREFIX'),
  messagesPerSecond: Number(env('MPS')),
  defaultRegion: 'NP',
});
const journal =
  process.env.JOURNAL === '1'
    ? createIdempotencyStore({ redisUrl: env('REDIS_URL'), prefix: `${env('PREFIX')}:journal` })
    : undefined;
const recipients = Array.from({ length: Number(env('RECIPIENTS')) }, (_, i) => ({
  to: `98${String(10_000_000 + i)}`,
  body: [{ type: 'text' as const, text: `Parent ${i}` }],
}));
const result = await broadcastTemplate(sender, {
  broadcastId: env('BROADCAST_ID'),
  template: { name: 'notice', language: 'en_US' },
  recipients,
  concurrency: 16,
  signal: stop.signal,
  ...(journal ? { journal } : {}),
  ...(process.env.IN_FLIGHT_LOCK_MS ? { inFlightLockMs: Number(process.env.IN_FLIGHT_LOCK_MS) } : {}),
  onProgress: (p) => process.stdout.write(`progress ${p.done}\n`),
});
await sender.close();
await journal?.close();
const { results, ...summary } = result;
const byStatus: Record<string, string[]> = {};
for (const r of results) (byStatus[r.status] ??= []).push(r.to);
process.stdout.write(
  `${JSON.stringify({ ...summary, statuses: Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [k, v.length])), byStatus })}\n`,
);
