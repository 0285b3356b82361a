// WhatsApp connector bench:
//  (a) signed-webhook verify + parse cost per event, for a 1-event and a 1,000-event payload;
//  (b) a broadcast through the fake Graph API (its own process, as Meta is remote) at 1,000/s with
//      the sender's default pacing: achieved rate / limit (goal ≥ 0.95), number of 130429s (goal 0)
//      and the densest sliding second the fake saw. A baseline run with no limits measures what the
//      machine can push at all, reported next to it;
//  (c) the same broadcast on a loaded machine: a neighbour process spins on a core for the whole run,
//      so the sender and the fake compete for the CPU. The sender widens its jitter allowance from the
//      lag it measures (see AdaptiveAllowance): goal 0 × 130429 there too, at ≥ 0.9 of the limit.
// npm run bench -- whatsapp [--messages 20000] [--mps 1000] [--jitter <ms>] [--iterations 2000]
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRateLimiter } from '@relaykit/sdk-core';
import {
  WhatsAppSender,
  broadcastTemplate,
  numberPacing,
  parseWebhookPayload,
  signWebhookBody,
  verifyWebhookSignature,
} from '@relaykit/connector-whatsapp';
import { buildNotification, metaJsonStringify, statusPayload, inboundText } from '@relaykit/connector-whatsapp/testing';
import { numberArg, reportBench, round } from './lib.js';

const messages = numberArg('messages', 20_000);
const mps = numberArg('mps', 1000);
const iterations = numberArg('iterations', 2000);
// The sender's default jitter allowance unless --jitter is given (see numberPacing).
const jitterArg = numberArg('jitter', -1);
const jitterMs = jitterArg >= 0 ? jitterArg : undefined;
const secret = 'bench-secret';
const source = { wabaId: 'WABA', phoneNumberId: 'PNID', displayPhoneNumber: '9779800000000' };

function payload(events: number): Buffer {
  const statuses = Array.from({ length: events - 1 }, (_, i) =>
    statusPayload(`wamid.${i}`, (['sent', 'delivered', 'read'] as const)[i % 3]!, `97798${String(i).padStart(8, '0')}`),
  );
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
console.log(
  `verify+parse: ${round(perEvent1, 2)} µs/event (1-event payload), ${round(perEvent1000, 2)} µs/event (1,000-event payload)`,
);

const serve = fileURLToPath(new URL('../packages/connector-whatsapp/src/testing/serve.ts', import.meta.url));

// The fake runs in its own process, as Meta is remote: its CPU is not the sender's. One fake
// serves every run (each on its own phone number id), so the measured run meets a warm upstream.
const fake = spawn(process.execPath, ['--import', 'tsx', serve], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  env: { ...process.env, FAKE_MPS: '1000000', FAKE_MPS_BY_NUMBER: JSON.stringify({ PNID: mps, LOADED: mps }) },
  stdio: ['pipe', 'pipe', 'inherit'],
});
// Meta's edge is not descheduled by a busy bench host: the (nearly idle) fake runs first when a
// request arrives, so its stamps measure the sender. Best effort: a no-op where not permitted.
try {
  setPriority(fake.pid!, -10);
} catch {
  /* not permitted */
}
const lines = createInterface({ input: fake.stdout! });
const nextLine = () => new Promise<string>((resolve) => lines.once('line', resolve));
const { url, accessToken } = JSON.parse(await nextLine()) as { url: string; accessToken: string };
interface FakeStats {
  accepted: number;
  rejections: Record<string, number>;
  first: number;
  last: number;
  densestSecond: number;
  cpuMs: number;
}
const stats = async (phoneNumberId: string) => {
  fake.stdin!.write(`stats ${phoneNumberId}\n`);
  return JSON.parse(await nextLine()) as FakeStats;
};

/** Broadcasts `n` templates from `phoneNumberId`; rates are measured by the fake (first to last accepted). */
async function run(phoneNumberId: string, n: number, limited: boolean) {
  const sender = new WhatsAppSender({
    phoneNumberId,
    accessToken,
    baseUrl: url,
    messagesPerSecond: mps,
    connections: 128,
    ...(jitterMs === undefined ? {} : { jitterMs }),
    ...(limited ? {} : { limiter: createRateLimiter({ rules: [] }) }),
  });
  let throttled = 0;
  let staleSlots = 0;
  let widestJitterMs = sender.jitterAllowanceMs;
  let slowestPace = Infinity;
  sender.on((e) => {
    if (e.type === 'throttled') throttled++;
    if (e.type === 'stale_slot') staleSlots++;
    if (e.type === 'pacing') {
      widestJitterMs = Math.max(widestJitterMs, e.jitterMs);
      slowestPace = Math.min(slowestPace, e.ratePerSecond);
    }
  });
  const recipients = Array.from({ length: n }, (_, i) => ({
    to: `+97798${String(i).padStart(8, '0')}`,
    body: [{ type: 'text' as const, text: `Parent ${i}` }],
  }));
  const fakeCpu0 = (await stats(phoneNumberId)).cpuMs;
  const cpu0 = process.cpuUsage();
  const result = await broadcastTemplate(sender, {
    broadcastId: `bench-${phoneNumberId}`,
    template: { name: 'notice', language: 'en_US' },
    recipients,
    concurrency: 128,
  });
  const cpu = process.cpuUsage(cpu0);
  const s = await stats(phoneNumberId);
  await sender.close();
  return {
    result,
    throttled,
    staleSlots,
    widestJitterMs,
    slowestPace,
    rate: (s.accepted - 1) / ((s.last - s.first) / 1000),
    count130429: s.rejections['130429'] ?? 0,
    densestSecond: s.densestSecond,
    senderCpuUsPerMessage: (cpu.user + cpu.system) / n,
    fakeCpuUsPerMessage: ((s.cpuMs - fakeCpu0) * 1000) / n,
  };
}

// Warm-up (JIT, module loading, connection pools) of both processes, discarded.
await run('WARM', Math.min(4000, messages), false);
const pacing = numberPacing({ messagesPerSecond: mps, ...(jitterMs === undefined ? {} : { jitterMs }) });
const main = await run('PNID', messages, true);
console.log(
  `broadcast: ${main.result.sent}/${messages} sent in ${round(main.result.elapsedMs / 1000, 2)} s; upstream saw ${round(main.rate, 1)}/s of ${mps}/s (derived pace ${round(pacing.ratePerSecond, 1)}/s, jitter allowance ${pacing.jitterMs} ms, burst ${pacing.burst}); densest second ${main.densestSecond}; 130429s: ${main.count130429}`,
);
// Baseline: the same pipeline with no limiter and no upstream limit — what this machine can push
// at all — so the limited run can be read against capacity as well as against the limit.
const baselineMessages = Math.max(2000, Math.round(messages / 4));
const baseline = await run('BASE', baselineMessages, false);
console.log(
  `capacity without limits: ${round(baseline.rate, 1)}/s (${baselineMessages} messages); CPU per message: sender ${round(main.senderCpuUsPerMessage, 1)} µs, fake ${round(main.fakeCpuUsPerMessage, 1)} µs`,
);

// Loaded machine: a neighbour spinning on one of the cores for the whole run (as another job on the host would).
const neighbour = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
let loaded: Awaited<ReturnType<typeof run>>;
try {
  loaded = await run('LOADED', messages, true);
} finally {
  neighbour.kill('SIGKILL');
}
console.log(
  `loaded (a neighbour spinning on a core): upstream saw ${round(loaded.rate, 1)}/s of ${mps}/s; densest second ${loaded.densestSecond}; 130429s: ${loaded.count130429}; widest jitter allowance ${loaded.widestJitterMs} ms (pace ${round(Math.min(loaded.slowestPace, pacing.ratePerSecond), 1)}/s); stale slots ${loaded.staleSlots}`,
);
fake.stdin!.end();
const achieved = main.rate;
const capacity = baseline.rate;

reportBench('whatsapp', {
  webhookVerifyParseUsPerEvent1: round(perEvent1, 2),
  webhookVerifyParseUsPerEvent1000: round(perEvent1000, 2),
  broadcastMessages: messages,
  broadcastSent: main.result.sent,
  broadcastLimitPerSecond: mps,
  jitterAllowanceMs: pacing.jitterMs,
  limiterBurst: pacing.burst,
  derivedPacePerSecond: round(pacing.ratePerSecond, 1),
  broadcastAchievedPerSecond: round(achieved, 1),
  broadcastRateOverLimit: round(achieved / mps, 3),
  broadcastRateOverPace: round(achieved / pacing.ratePerSecond, 3),
  broadcastRateGoalMet: achieved / mps >= 0.95,
  densestSecondAtUpstream: main.densestSecond,
  count130429: main.count130429,
  senderThrottledRetries: main.throttled,
  senderStaleSlots: main.staleSlots,
  machineCapacityPerSecond: round(capacity, 1),
  senderCpuUsPerMessage: round(main.senderCpuUsPerMessage, 1),
  fakeCpuUsPerMessage: round(main.fakeCpuUsPerMessage, 1),
  widestJitterAllowanceMs: main.widestJitterMs,
  loaded: {
    ratio: round(loaded.rate / mps, 3),
    count130429: loaded.count130429,
    densestSecond: loaded.densestSecond,
    achievedPerSecond: round(loaded.rate, 1),
    widestJitterAllowanceMs: loaded.widestJitterMs,
    staleSlots: loaded.staleSlots,
    throttledRetries: loaded.throttled,
    goalMet: loaded.count130429 === 0 && loaded.rate / mps >= 0.9,
  },
});
