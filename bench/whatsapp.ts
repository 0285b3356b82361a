// WhatsApp connector bench:
//  (a) signed-webhook verify + parse cost per event, for a 1-event and a 1,000-event payload;
//  (b) a broadcast through the fake Graph API (its own process, as Meta is remote) at 1,000/s:
//      achieved rate / limit (goal ≥ 0.95) and number of 130429s (goal 0). A baseline run with no
//      limits measures what the machine can push at all, reported next to it.
// npm run bench -- whatsapp [--messages 20000] [--mps 1000] [--margin 0.03] [--iterations 2000]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRateLimiter } from '@relaykit/sdk-core';
import { WhatsAppSender, broadcastTemplate, parseWebhookPayload, signWebhookBody, verifyWebhookSignature } from '@relaykit/connector-whatsapp';
import { buildNotification, metaJsonStringify, statusPayload, inboundText } from '@relaykit/connector-whatsapp/testing';
import { numberArg, reportBench, round } from './lib.js';

const messages = numberArg('messages', 20_000);
const mps = numberArg('mps', 1000);
const iterations = numberArg('iterations', 2000);
// One sender on loopback sees little jitter, so the bench runs closer to the limit than the
// multi-worker default (0.05); the margin used is reported with the figures.
const margin = numberArg('margin', 0.03);
const secret = 'bench-secret';
const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '9779800000000' };

function payload(events: number): Buffer {
  const statuses = Array.from({ length: events - 1 }, (_, i) => statusPayload(`wamid.${i}`, (['sent', 'delivered', 'read'] as const)[i % 3]!, `97798${String(i).padStart(8, '0')}`));
  const inbound = inboundText('9779841234567', 'नमस्ते 🙏 https://school.example/notice');
  return Buffer.from(metaJsonStringify(buildNotification(source, { ...inbound, statuses })));
}

function verifyParse(events: number, rounds: number): number {
  const raw = payload(events);
  const signature = signWebhookBody(raw, secret);
  for (let i = 0; i < Math.min(2000, rounds); i++) parseWebhookPayload(JSON.parse(raw.toString('utf8')));
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < rounds; i++) {
    if (!verifyWebhookSignature(raw, signature, secret)) throw new Error('signature did not verify');
    n += parseWebhookPayload(JSON.parse(raw.toString('utf8'))).length;
  }
  const us = ((performance.now() - t0) * 1000) / n;
  if (n !== events * rounds) throw new Error(`parsed ${n} events, expected ${events * rounds}`);
  return us;
}

const perEvent1 = verifyParse(1, iterations * 10);
const perEvent1000 = verifyParse(1000, Math.max(5, Math.round(iterations / 100)));
console.log(`verify+parse: ${round(perEvent1, 2)} µs/event (1-event payload), ${round(perEvent1000, 2)} µs/event (1,000-event payload)`);

const serve = fileURLToPath(new URL('../packages/connector-whatsapp/src/testing/serve.ts', import.meta.url));

/** Broadcasts `n` templates through a fake in its own process; rates are measured by the fake (first to last accepted). */
async function run(n: number, upstreamLimit: number, limited: boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', serve], { cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...process.env, FAKE_MPS: String(upstreamLimit) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const nextLine = () => new Promise<string>((resolve) => lines.once('line', resolve));
  const { url, accessToken } = JSON.parse(await nextLine()) as { url: string; accessToken: string };
  const sender = new WhatsAppSender({ phoneNumberId: 'PNID', accessToken, baseUrl: url, messagesPerSecond: mps, safetyMargin: margin, connections: 128, ...(limited ? {} : { limiter: createRateLimiter({ rules: [] }) }) });
  let throttled = 0;
  sender.on((e) => { if (e.type === 'throttled') throttled++; });
  const recipients = Array.from({ length: n }, (_, i) => ({ to: `+97798${String(i).padStart(8, '0')}`, body: [{ type: 'text' as const, text: `Parent ${i}` }] }));
  const result = await broadcastTemplate(sender, { broadcastId: 'bench', template: { name: 'notice', language: 'en_US' }, recipients, concurrency: 128 });
  child.stdin!.write('stats\n');
  const stats = JSON.parse(await nextLine()) as { accepted: number; rejections: Record<string, number>; first: number; last: number };
  child.stdin!.end();
  await sender.close();
  return { result, throttled, rate: (stats.accepted - 1) / ((stats.last - stats.first) / 1000), count130429: stats.rejections['130429'] ?? 0 };
}

// Warm-up (JIT, module loading, connection pools), discarded.
await run(Math.min(2000, messages), 1_000_000, false);
const main = await run(messages, mps, true);
console.log(`broadcast: ${main.result.sent}/${messages} sent in ${round(main.result.elapsedMs / 1000, 2)} s; upstream saw ${round(main.rate, 1)}/s of ${mps}/s; 130429s: ${main.count130429}`);
// Baseline: the same pipeline with no limiter and no upstream limit — what this machine can push
// at all — so the limited run can be read against capacity as well as against the limit.
const baselineMessages = Math.max(2000, Math.round(messages / 4));
const baseline = await run(baselineMessages, 1_000_000, false);
console.log(`capacity without limits: ${round(baseline.rate, 1)}/s (${baselineMessages} messages)`);
const achieved = main.rate;
const capacity = baseline.rate;

reportBench('whatsapp', {
  webhookVerifyParseUsPerEvent1: round(perEvent1, 2),
  webhookVerifyParseUsPerEvent1000: round(perEvent1000, 2),
  broadcastMessages: messages,
  broadcastSent: main.result.sent,
  broadcastLimitPerSecond: mps,
  safetyMargin: margin,
  broadcastAchievedPerSecond: round(achieved, 1),
  broadcastRateOverLimit: round(achieved / mps, 3),
  broadcastRateGoalMet: achieved / mps >= 0.95,
  machineCapacityPerSecond: round(capacity, 1),
  broadcastRateOverMinLimitCapacity: round(achieved / Math.min(mps, capacity), 3),
  count130429: main.count130429,
  senderThrottledRetries: main.throttled,
});
