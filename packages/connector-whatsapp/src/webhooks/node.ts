import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookHandler, WebhookHandlerResult } from './handler.js';
import { MAX_WEBHOOK_BYTES } from './handler.js';

/**
 * Adapts a {@link WebhookHandler} to `node:http` (and so to Express, whose `req`/`res` extend
 * these — mount it before any body parser, since the signature is over the raw bytes).
 *
 * The returned listener never rejects: a client that goes away mid-body (closed, reset, a broken
 * chunked encoding) is dropped quietly, a body over `maxBodyBytes` (3 MB) gets a 413 without being
 * buffered, and a failing handler a 500. Anyone on the internet can reach a webhook URL, so none of
 * that may take the process down.
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
    let body: Buffer | 'too_large';
    try {
      body = await readBody(req, max);
    } catch {
      // The client went away mid-body (`aborted`) or its framing was refused: there is nobody to answer, or the
      // socket is already being torn down. Meta re-sends what it did not get a 200 for.
      if (!res.headersSent && !res.destroyed)
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('Bad Request');
      return;
    }
    if (body === 'too_large') {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('Payload Too Large');
      req.destroy();
      return;
    }
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const result = await handler.handle({
        method: req.method ?? 'GET',
        headers,
        query: Object.fromEntries(url.searchParams),
        rawBody: body,
      });
      options.onResult?.(result);
      res.writeHead(result.status, result.headers).end(result.body);
    } catch {
      // Meta retries on any non-200, so an unexpected failure must answer rather than hang.
      if (!res.headersSent && !res.destroyed)
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
    }
  };
}

/** The request's body, or `too_large` as soon as it is known to exceed `max` (declared or counted); rejects when the stream fails. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large'> {
  if (Number(req.headers['content-length'] ?? 0) > max) return 'too_large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // A chunked body declares no length: count it, and stop buffering at the cap.
    if (size > max) return 'too_large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
