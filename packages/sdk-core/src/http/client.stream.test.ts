import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from '@relaykit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { isAbortedError } from '../errors/index.js';
import { isHttpError, isUpstreamTimeoutError } from '../errors/http.js';
import { HttpClient } from './client.js';
import type { RequestEndEvent } from './types.js';

// Real loopback servers: backpressure and undici's idle timeout only show on real sockets.
const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];
const clients: HttpClient[] = [];

async function loopback(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<string> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => handler(req, res, ++n));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ server, sockets });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(options: ConstructorParameters<typeof HttpClient>[0]): HttpClient {
  const c = new HttpClient({ tracer: false, ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const { server, sockets } of servers.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Writes `total` bytes in 64 KiB chunks as fast as the socket takes them, counting what it could hand over. */
function endless(total: number, written: { bytes: number; blocked: boolean }) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (written.bytes < total) {
        written.bytes += chunk.length;
        if (!res.write(chunk)) {
          written.blocked = true;
          return void res.once('drain', () => {
            written.blocked = false;
            pump();
          });
        }
      }
      res.end();
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  };
}

describe('HttpClient.stream', () => {
  it('reads a body as it arrives, with backpressure: a reader that stops holds the server back', async () => {
    const written = { bytes: 0, blocked: false };
    const url = await loopback(endless(256 * 1024 * 1024, written));
    const ends: RequestEndEvent[] = [];
    const http = client({ baseUrl: url, hooks: { onRequestEnd: (e) => ends.push(e) } });
    const answer = await http.stream({ method: 'POST', path: '/big', body: '{}' });
    expect([answer.status, answer.headers['content-type'], answer.attempts]).toEqual([200, 'application/json', 1]);
    const iterator = answer.body[Symbol.asyncIterator]();
    let read = 0;
    while (read < 1024 * 1024) read += ((await iterator.next()).value as Uint8Array).byteLength;
    // The reader pauses at 1 MiB: the server soon cannot write more, having handed over only what buffers hold.
    await waitFor(() => written.blocked, 'the server held back by the paused reader');
    expect(written.bytes).toBeLessThan(16 * 1024 * 1024);
    await iterator.return?.();
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ status: 200, route: '/big' });
  });

  it('bodyMs is an idle timeout: a long body that keeps coming completes, a stalled one fails (phase body)', async () => {
    const url = await loopback((req, res) => {
      res.writeHead(200);
      let sent = 0;
      const stall = req.url === '/stall';
      const timer = setInterval(() => {
        res.write('x'.repeat(100));
        if (++sent === (stall ? 1 : 8)) {
          clearInterval(timer);
          if (!stall) res.end();
        }
      }, 60);
      res.on('close', () => clearInterval(timer));
    });
    const http = client({ baseUrl: url, timeouts: { bodyMs: 300 } });
    const whole = await http.stream({ method: 'GET', path: '/steady' });
    let text = '';
    for await (const chunk of whole.body) text += Buffer.from(chunk).toString();
    expect(text).toHaveLength(800); // about 480 ms in all, longer than bodyMs
    const stalled = await http.stream({ method: 'GET', path: '/stall' });
    const error = await (async () => {
      for await (const _ of stalled.body);
    })().catch((e: unknown) => e);
    expect(isUpstreamTimeoutError(error) && error.phase).toBe('body');
  });

  it('non-2xx rejects with HttpError and its body; the policy retries before the headers', async () => {
    const url = await loopback((_req, res, n) => {
      if (n === 1) {
        res.writeHead(503, { 'content-type': 'application/json' });
        return res.end('{"message":"busy"}');
      }
      if (n === 2) {
        res.writeHead(200);
        return res.end('streamed');
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"message":"bad"}');
    });
    const http = client({ baseUrl: url, policy: { retry: { maxAttempts: 3, initialDelayMs: 1 } } });
    const answer = await http.stream({ method: 'GET', path: '/x' });
    const chunks: Uint8Array[] = [];
    for await (const c of answer.body) chunks.push(c);
    expect([answer.attempts, Buffer.concat(chunks).toString()]).toEqual([2, 'streamed']);
    const error = await http.stream({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(isHttpError(error, 400) && error.body).toEqual({ message: 'bad' });
  });

  it("the caller's signal aborts the body; headersSignal only the wait for the headers", async () => {
    let release: (() => void) | undefined;
    const url = await loopback((req, res) => {
      if (req.url === '/slow-headers') {
        release = () => res.end();
        return;
      }
      res.writeHead(200);
      res.write('first');
    });
    const http = client({ baseUrl: url });
    const opening = new AbortController();
    const caller = new AbortController();
    const answer = await http.stream({
      method: 'GET',
      path: '/body',
      signal: caller.signal,
      headersSignal: opening.signal,
    });
    opening.abort(new Error('too late to matter'));
    const iterator = answer.body[Symbol.asyncIterator]();
    expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe('first');
    const reason = new Error('the caller gave up');
    caller.abort(reason);
    const error = await iterator.next().catch((e: unknown) => e);
    expect(isAbortedError(error) && (error as Error).cause).toBe(reason);

    const cut = new AbortController();
    const pending = http.stream({ method: 'GET', path: '/slow-headers', headersSignal: cut.signal });
    await waitFor(() => release !== undefined, 'the request at the server');
    cut.abort(new Error('attempt over'));
    expect(isAbortedError(await pending.catch((e: unknown) => e))).toBe(true);
    release!();
  });
});
