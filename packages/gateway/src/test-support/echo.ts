// Test support (not part of the package's API): a small connector over a real loopback upstream,
// so gateway tests exercise the connector contract without depending on the real connectors.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { type HttpClient, RelaykitError, defineConnector, operationsFor } from '@relaykit/sdk-core';

/** A loopback upstream that records writes; `failNext` makes the next N writes answer 503. */
export interface EchoUpstream {
  url: string;
  writes: Array<{ key: string; value: unknown }>;
  /** The Idempotency-Key header of every attempt, failed ones included. */
  attemptKeys: Array<string | undefined>;
  /** The W3C `traceparent` header of every request (undefined when it came untraced). */
  traceparents: Array<string | undefined>;
  failNext: number;
  /** Milliseconds every write takes. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  // Every attempt's Idempotency-Key header, failed ones too: what an upstream would de-duplicate on.
  const state = {
    writes: [] as Array<{ key: string; value: unknown }>,
    attemptKeys: [] as Array<string | undefined>,
    traceparents: [] as Array<string | undefined>,
    failNext: 0,
    delayMs: 0,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
        state.attemptKeys.push(req.headers['idempotency-key'] as string | undefined);
        state.traceparents.push(req.headers.traceparent as string | undefined);
        if (state.failNext > 0) {
          state.failNext--;
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"busy"}');
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { key: string; value: unknown };
        state.writes.push(body);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ stored: body.key, count: state.writes.length }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream: EchoUpstream = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get writes() {
      return state.writes;
    },
    get attemptKeys() {
      return state.attemptKeys;
    },
    get traceparents() {
      return state.traceparents;
    },
    get failNext() {
      return state.failNext;
    },
    set failNext(n: number) {
      state.failNext = n;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(n: number) {
      state.delayMs = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return upstream;
}

const op = operationsFor<{
  baseUrl: string;
  secret: string;
  reservedPrefix: string;
  http: HttpClient;
  handled: unknown[];
}>();

/** The test connector: `put` writes to the upstream, `fail` always fails fatally, `slow` sleeps; one signed webhook. */
export const echoConnector = defineConnector({
  name: 'echo',
  version: '1.0.0',
  description: 'A test connector writing key/value pairs to a loopback upstream.',
  config: z.object({
    baseUrl: z.string().url(),
    webhookSecret: z.string().default('whsec'),
    /** Keys under this prefix are refused at submit by `put`'s check (a rule only the instance's setup knows). */
    reservedPrefix: z.string().default('reserved:'),
  }),
  setup: (ctx) => ({
    baseUrl: ctx.config.baseUrl,
    secret: ctx.config.webhookSecret,
    reservedPrefix: ctx.config.reservedPrefix,
    // The runtime's transport (undici, resilience, spans): what real connectors call their upstream with.
    http: ctx.createHttpClient({ baseUrl: ctx.config.baseUrl, upstream: 'echo' }),
    handled: [] as unknown[],
  }),
  operations: {
    put: op({
      description: 'Stores a value under a key upstream.',
      idempotent: true,
      input: z.object({ key: z.string().min(1), value: z.unknown().optional(), email: z.email().optional() }),
      output: z.object({ stored: z.string(), count: z.number().int() }),
      example: { key: 'greeting', value: 'hello' },
      check: (state, input) =>
        input.key.startsWith(state.reservedPrefix)
          ? [{ path: ['key'], message: `keys under "${state.reservedPrefix}" are reserved on this instance` }]
          : [],
      async run(ctx, input) {
        const res = await fetch(`${ctx.state.baseUrl}/put`, {
          method: 'POST',
          body: JSON.stringify(input),
          signal: ctx.signal,
          ...(ctx.idempotencyKey ? { headers: { 'idempotency-key': ctx.idempotencyKey } } : {}),
        });
        if (res.status === 503) throw new RelaykitError('UPSTREAM_UNAVAILABLE', 'upstream busy (503)');
        if (!res.ok) throw new RelaykitError('UPSTREAM_REJECTED', `upstream said ${res.status}`);
        return (await res.json()) as { stored: string; count: number };
      },
    }),
    send: op({
      description: "Writes a value upstream through the runtime's HttpClient (as real connectors do).",
      idempotent: true,
      input: z.object({ key: z.string().min(1), value: z.unknown().optional() }),
      output: z.object({ stored: z.string(), count: z.number().int() }),
      async run(ctx, input) {
        const res = await ctx.state.http.request<{ stored: string; count: number }>({
          method: 'POST',
          path: '/put',
          json: input,
          signal: ctx.signal,
        });
        return res.body;
      },
    }),
    fail: op({
      description: 'Always fails with a fatal error.',
      idempotent: true,
      input: z.object({ reason: z.string().default('no') }),
      output: z.object({}),
      async run(_ctx, input) {
        throw new RelaykitError('UPSTREAM_REJECTED', `rejected: ${input.reason}`);
      },
    }),
    slow: op({
      description: 'Sleeps, then answers.',
      idempotent: true,
      input: z.object({ ms: z.number().int().min(0).max(60_000) }),
      output: z.object({ slept: z.number() }),
      async run(ctx, input) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, input.ms);
          ctx.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              reject(ctx.signal.reason as Error);
            },
            { once: true },
          );
        });
        return { slept: input.ms };
      },
    }),
  },
  webhooks: {
    events: {
      description: 'Signed events: X-Signature is hex HMAC-SHA256 of the raw body.',
      // Like Meta's: a wrong `token` is refused with a bare text/plain 403 (the gateway turns it into problem+json).
      handshake: (_ctx, req) => {
        if (!req.query.challenge) return undefined;
        if (req.query.token !== undefined && req.query.token !== 'echo-verify-token')
          return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'Forbidden' };
        return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: req.query.challenge };
      },
      verify(ctx, req) {
        const expected = createHmac('sha256', ctx.state.secret).update(req.rawBody).digest();
        const given = Buffer.from(req.headers['x-signature'] ?? '', 'hex');
        return given.length === expected.length && timingSafeEqual(given, expected);
      },
      parse: (_ctx, req) =>
        (JSON.parse(Buffer.from(req.rawBody).toString()) as { events: Array<{ id: string; text: string }> }).events,
      dedupeKey: (event: { id: string }) => event.id,
      async handle(ctx, event) {
        ctx.state.handled.push(event);
        await fetch(`${ctx.state.baseUrl}/put`, {
          method: 'POST',
          body: JSON.stringify({ key: `event:${(event as { id: string }).id}`, value: event }),
        });
      },
    },
  },
});

/** Signs a webhook body like the echo sender does. */
export const signEcho = (body: string, secret = 'whsec') => createHmac('sha256', secret).update(body).digest('hex');

export const sha = (s: string) => createHash('sha256').update(s).digest('hex');
