// Runs the fake Graph API as its own process (for benches and manual tries):
//   node --import tsx packages/connector-whatsapp/src/testing/serve.ts
// Options come from env (FAKE_MPS, FAKE_PAIR=off). Prints {"url","accessToken"} on its first line;
// answers the line "stats" with {"accepted", "rejections": {code: count}, "first", "last"}; exits when stdin closes.
import { createInterface } from 'node:readline';
import { startFakeGraph } from './fake-graph.js';

const fake = await startFakeGraph({
  throughputPerSecond: Number(process.env.FAKE_MPS ?? 80),
  ...(process.env.FAKE_PAIR === 'off' ? { pairRate: false as const } : {}),
});
process.stdout.write(`${JSON.stringify({ url: fake.url, accessToken: fake.accessToken })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const rejections: Record<string, number> = {};
  for (const r of fake.rejections) rejections[r.code] = (rejections[r.code] ?? 0) + 1;
  process.stdout.write(`${JSON.stringify({ accepted: fake.messages.length, rejections, first: fake.messages[0]?.at, last: fake.messages.at(-1)?.at })}\n`);
});
lines.on('close', () => { void fake.close().then(() => process.exit(0)); });
