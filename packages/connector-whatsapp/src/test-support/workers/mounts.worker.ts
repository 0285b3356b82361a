// Fixture of mounts.test.ts: an embedded receiver mounted exactly as the README documents, in its own process so
// that whatever would kill a real one (an unhandled rejection) kills it too. argv[2]: node | express | koa.
// Prints {"port"} once listening, answers the stdin line `ping` with `pong`, exits when stdin closes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { createWebhookHandler } from '../../webhooks/handler.js';
import { nodeWebhookListener } from '../../webhooks/node.js';

const webhook = createWebhookHandler({ appSecret: process.env.APP_SECRET!, verifyToken: 'verify-me' });
const mount = process.argv[2];
let listener: Parameters<typeof createServer>[1];
if (mount === 'node') listener = nodeWebhookListener(webhook);
else if (mount === 'express') {
  // Each framework is loaded only for its own mount.
  const { default: express } = await import('express');
  const app = express();
  app.all('/webhooks/whatsapp', nodeWebhookListener(webhook));
  listener = app;
} else if (mount === 'koa') {
  const [{ default: Koa }, { default: Router }] = await Promise.all([import('koa'), import('@koa/router')]);
  const app = new Koa();
  const router = new Router();
  router.all('/webhooks/whatsapp', (ctx) => {
    ctx.respond = false;
    return nodeWebhookListener(webhook)(ctx.req, ctx.res);
  });
  app.use(router.routes());
  listener = app.callback();
} else throw new Error(`unknown mount ${mount}`);

const server = createServer(listener);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line === 'ping') console.log('pong');
});
input.on('close', () => server.close(() => process.exit(0)));
