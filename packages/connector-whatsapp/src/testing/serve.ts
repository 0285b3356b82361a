// Runs the fake Graph API as its own process (for benches and manual tries):
//   node --import tsx packages/connector-whatsapp/src/testing/serve.ts
// Options come from env: FAKE_MPS (default throughput), FAKE_MPS_BY_NUMBER (JSON {phoneNumberId: mps}),
// FAKE_WINDOW=sliding|calendar, FAKE_PAIR=off. Prints {"url","accessToken"} on its first line;
// answers the line "stats <phoneNumberId>" with {"accepted", "recipients" (distinct), "rejections":
// {code: count}, "first", "last" (performance.now() ms), "densestSecond", "cpuMs"} for that number;
// exits when stdin closes.
import { createInterface } from 'node:readline';
import { startFakeGraph } from './fake-graph.js';

const byNumber = JSON.parse(process.env.FAKE_MPS_BY_NUMBER ?? '{}') as Record<string, number>;
const fallback = Number(process.env.FAKE_MPS ?? 80);
const fake = await startFakeGraph({
  throughputPerSecond: (id) => byNumber[id] ?? fallback,
  ...(process.env.FAKE_WINDOW === 'calendar' ? { throughputWindow: 'calendar' as const } : {}),
  ...(process.env.FAKE_PAIR === 'off' ? { pairRate: false as const } : {}),
});
process.stdout.write(`${JSON.stringify({ url: fake.url, accessToken: fake.accessToken })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, phoneNumberId] = line.trim().split(/\s+/);
  if (command !== 'stats') return;
  const accepted = fake.messages.filter((m) => phoneNumberId === undefined || m.phoneNumberId === phoneNumberId);
  const rejections: Record<string, number> = {};
  for (const r of fake.rejections)
    if (phoneNumberId === undefined || r.phoneNumberId === phoneNumberId)
      rejections[r.code] = (rejections[r.code] ?? 0) + 1;
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({
      accepted: accepted.length,
      recipients: new Set(accepted.map((m) => m.to)).size,
      rejections,
      first: accepted[0]?.at,
      last: accepted.at(-1)?.at,
      densestSecond: phoneNumberId === undefined ? undefined : fake.densestSecond(phoneNumberId),
      cpuMs: (cpu.user + cpu.system) / 1000,
    })}\n`,
  );
});
lines.on('close', () => {
  void fake.close().then(() => process.exit(0));
});
