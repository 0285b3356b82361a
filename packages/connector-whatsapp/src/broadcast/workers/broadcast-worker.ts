// A broadcast process for the kill-and-restart test: broadcasts to RECIPIENTS numbers with its
// progress in Redis, and stops dispatching on SIGTERM (requests on the wire finish and are recorded).
import { WhatsAppSender } from '../../sender/sender.js';
import { broadcastTemplate } from '../index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort(new Error('SIGTERM')));
const sender = new WhatsAppSender({
  phoneNumberId: 'PNID', accessToken: env('TOKEN'), baseUrl: env('FAKE_URL'), redisUrl: env('REDIS_URL'), prefix: env('PREFIX'),
  messagesPerSecond: Number(env('MPS')), defaultRegion: 'NP',
});
const recipients = Array.from({ length: Number(env('RECIPIENTS')) }, (_, i) => ({ to: `98${String(10_000_000 + i)}`, body: [{ type: 'text' as const, text: `Parent ${i}` }] }));
const result = await broadcastTemplate(sender, {
  broadcastId: env('BROADCAST_ID'), template: { name: 'notice', language: 'en_US' }, recipients, concurrency: 16, signal: stop.signal,
  onProgress: (p) => process.stdout.write(`progress ${p.done}\n`),
});
await sender.close();
const { results, ...summary } = result;
process.stdout.write(`${JSON.stringify({ ...summary, statuses: results.reduce<Record<string, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {}) })}\n`);
