import { startFakeGraph } from '@relaykit/connector-whatsapp/testing';
import { WhatsAppSender } from './packages/connector-whatsapp/src/sender/index.ts';
import { message, param } from './packages/connector-whatsapp/src/messages/index.ts';
const fake = await startFakeGraph({ throughputPerSecond: 400 });
for (const redisUrl of [undefined, process.env.REDIS_URL]) {
  for (const mps of [400, 100000 > 0 ? 1000 : 0]) {
  const s = new WhatsAppSender({ phoneNumberId: 'P' + mps + (redisUrl ? 'r' : 'm'), accessToken: fake.accessToken, baseUrl: fake.url, defaultRegion: 'NP', messagesPerSecond: mps, ...(redisUrl ? { redisUrl, prefix: 'x' + Math.random() } : {}) });
  const n = 800; let next = 0; const t0 = performance.now();
  await Promise.all(Array.from({ length: 48 }, async () => { for (let i = next++; i < n; i = next++) await s.send(message.template(`+9779800${String(i).padStart(6, '0')}`, 'n', 'en', { body: [param.text('x')] })); }));
  console.log(redisUrl ? 'redis' : 'memory', mps, 'rate', Math.round(n / ((performance.now() - t0) / 1000)));
  await s.close();
  }
}
await fake.close();
