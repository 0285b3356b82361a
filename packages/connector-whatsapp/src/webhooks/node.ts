import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookHandler, WebhookHandlerResult } from './handler.js';
import { MAX_WEBHOOK_BYTES } from './handler.js';

/**
 * Adapts a {@link WebhookHandler} to `node:http` (and so to Express, whose `req`/`res` extend
 * these — mount it before any body parser, since the signature is over the raw bytes).
 *
 * @example
 * ```ts
 * http.createServer(nodeWebhookListener(createWebhookHandler({ appSecret, verifyToken }))).listen(3000);
 * // Express: app.all('/webhooks/whatsapp', nodeWebhookListener(handler));
 * // Koa:     router.all('/webhooks/whatsapp', (ctx) => { ctx.respond = false; return nodeWebhookListener(handler)(ctx.req, ctx.res); });
 * ```
 */
export function nodeWebhookListener(
  handler: WebhookHandler,
  options: { maxBodyBytes?: number; onResult?(result: WebhookHandlerResult): void } = {},
) {
  const max = options.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > max;
    if (!tooLarge) {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > max) {
          tooLarge = true;
          break;
        }
        chunks.push(chunk);
      }
    }
    if (tooLarge) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('Payload Too Large');
      req.destroy();
      return;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    try {
      const result = await handler.handle({
        method: req.method ?? 'GET',
        headers,
        query: Object.fromEntries(url.searchParams),
        rawBody: Buffer.concat(chunks),
      });
      options.onResult?.(result);
      res.writeHead(result.status, result.headers).end(result.body);
    } catch {
      // Meta retries on any non-200, so an unexpected failure must answer rather than hang.
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
    }
  };
}
