import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors/index.js';
import { isHttpError, isUpstreamNetworkError, isUpstreamTimeoutError } from '../errors/http.js';
import { HttpClient } from './client.js';
import type { RequestEndEvent } from './types.js';

// Real loopback servers: undici's timeouts, resets and keep-alive only show on real sockets.
interface Loopback {
  url: string;
  server: Server;
  sockets: Set<Socket>;
  connections: () => number;
  close(): Promise<void>;
}

const open: Loopback[] = [];
const clients: HttpClient[] = [];

async function loopback(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<Loopback> {
  let count = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => handler(req, res, ++requests));
  server.on('connection', (socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const lb: Loopback = {
    url: `http://127.0.0.1:${port}`,
    server,
    sockets,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  open.push(lb);
  return lb;
}

function client(options: ConstructorParameters<typeof HttpClient>[0]): HttpClient {
  const c = new HttpClient({ tracer: false, ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('HttpClient over real loopback servers', () => {
  it('slow headers → UPSTREAM_TIMEOUT (phase headers)', async () => {
    const server = await loopback((_req, res) => {
      setTimeout(() => res.end('late'), 5_000).unref();
    });
    const http = client({ baseUrl: server.url, timeouts: { headersMs: 100 } });
    const started = Date.now();
    const error = await http.request({ method: 'GET', path: '/slow-headers' }).catch((e: unknown) => e);
    expect(isUpstreamTimeoutError(error) && error.phase).toBe('headers');
    expect(hasErrorCode(error, 'UPSTREAM_TIMEOUT')).toBe(true);
    // undici checks header/body timeouts on a coarse (~0.5–1 s) timer wheel.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('slow body → UPSTREAM_TIMEOUT (phase body)', async () => {
    const server = await loopback((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      // ...and never finish.
    });
    const http = client({ baseUrl: server.url, timeouts: { bodyMs: 100 } });
    const error = await http.request({ method: 'GET', path: '/slow-body' }).catch((e: unknown) => e);
    expect(isUpstreamTimeoutError(error) && error.phase).toBe('body');
  });

  it("the policy's timeout and the caller's abort cut a real request short", async () => {
    const server = await loopback((req, res) => {
      if (req.url === '/body') {
        res.writeHead(200, { 'content-length': '10' });
        res.write('12345');
        return;
      }
      setTimeout(() => res.end('late'), 5_000).unref();
    });
    const http = client({ baseUrl: server.url, policy: { timeoutMs: 80, retry: false } });
    let started = Date.now();
    const timedOut = await http.request({ method: 'GET', path: '/headers' }).catch((e: unknown) => e);
    expect(isUpstreamTimeoutError(timedOut) && timedOut.phase).toBe('policy');
    expect(Date.now() - started).toBeLessThan(1_000);
    started = Date.now();
    const midBody = await http.request({ method: 'GET', path: '/body' }).catch((e: unknown) => e);
    expect(isUpstreamTimeoutError(midBody) && midBody.phase).toBe('policy');
    expect(Date.now() - started).toBeLessThan(1_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const aborted = await client({ baseUrl: server.url, policy: { retry: { maxAttempts: 3 } } })
      .request({ method: 'GET', path: '/headers', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(hasErrorCode(aborted, 'ABORTED')).toBe(true);
    // Without any policy the caller's signal still cuts the request.
    const bare = new AbortController();
    setTimeout(() => bare.abort(), 30);
    started = Date.now();
    const abortedBare = await client({ baseUrl: server.url })
      .request({ method: 'GET', path: '/body', signal: bare.signal })
      .catch((e: unknown) => e);
    expect(hasErrorCode(abortedBare, 'ABORTED')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a per-request timeout overrides the client default', async () => {
    const server = await loopback((_req, res) => {
      setTimeout(() => res.end('ok'), 150).unref();
    });
    const http = client({ baseUrl: server.url, timeouts: { headersMs: 50 } });
    const response = await http.request({ method: 'GET', path: '/', timeouts: { headersMs: 2_000 } });
    expect(response.body).toBe('ok');
  });

  it('a connection reset is UPSTREAM_NETWORK and is retried for GET', async () => {
    const server = await loopback((req, res, n) => {
      if (n === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const ends: RequestEndEvent[] = [];
    const http = client({
      baseUrl: server.url,
      hooks: { onRequestEnd: (e) => ends.push(e) },
      policy: { retry: { initialDelayMs: 1 } },
    });
    const response = await http.request({ method: 'GET', path: '/reset' });
    expect(response).toMatchObject({ body: { ok: true }, attempts: 2 });
    expect(ends[0]).toMatchObject({ attempt: 1, status: undefined, errorCode: 'UPSTREAM_NETWORK' });
  });

  it('a connection reset on a POST is not replayed', async () => {
    let hits = 0;
    const server = await loopback((req) => {
      hits++;
      req.socket.destroy();
    });
    const http = client({ baseUrl: server.url, policy: { retry: { initialDelayMs: 1, maxAttempts: 4 } } });
    const error = await http.request({ method: 'POST', path: '/charge', json: { amount: 5 } }).catch((e: unknown) => e);
    expect(isUpstreamNetworkError(error)).toBe(true);
    expect(hits).toBe(1);
  });

  it('a refused connection is UPSTREAM_NETWORK', async () => {
    const server = await loopback((_req, res) => res.end());
    const url = server.url;
    await server.close();
    open.splice(open.indexOf(server), 1);
    const http = client({ baseUrl: url });
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(isUpstreamNetworkError(error) && error.errno).toBe('ECONNREFUSED');
  });

  it('keeps connections alive: sequential requests, including error answers, reuse their sockets', async () => {
    const server = await loopback((req, res) => {
      if (req.url === '/missing')
        res.writeHead(404, { 'content-type': 'text/html' }).end('<html>not here</html>'.repeat(50));
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n: req.url }));
    });
    const http = client({ baseUrl: server.url });
    for (let i = 0; i < 50; i++) {
      if (i % 5 === 4)
        expect(
          hasErrorCode(
            await http.request({ method: 'GET', path: '/missing' }).catch((e: unknown) => e),
            'UPSTREAM_HTTP',
          ),
        ).toBe(true);
      else expect((await http.request({ method: 'GET', path: `/item/${i}` })).body).toEqual({ n: `/item/${i}` });
    }
    await http.request({ method: 'HEAD', path: '/head' });
    // undici 7.30 validates an idle socket for one tick before reusing it, so a request sent in that
    // tick may open another socket (a bare undici Pool does the same): a handful, not one per request.
    for (let i = 0; i < 50; i++) await http.request({ method: 'GET', path: `/again/${i}` });
    expect(server.connections()).toBeLessThanOrEqual(4);
  });

  it('with one connection allowed, 100 sequential requests use exactly one socket', async () => {
    const server = await loopback((req, res) => res.writeHead(req.url === '/e' ? 500 : 200).end('x'.repeat(2_000)));
    const http = client({ baseUrl: server.url, connections: 1 });
    for (let i = 0; i < 100; i++)
      await http.request({ method: 'GET', path: i % 10 ? '/' : '/e' }).catch(() => undefined);
    expect(server.connections()).toBe(1);
  });

  it('reads at most 1 MiB of an error body', async () => {
    const server = await loopback((req, res) => {
      if (req.url === '/ok') {
        res.end('fine');
        return;
      }
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end('x'.repeat((req.url === '/enormous' ? 12 : 3) * 1024 * 1024));
    });
    const http = client({ baseUrl: server.url });
    const error = await http.request({ method: 'GET', path: '/huge-error' }).catch((e: unknown) => e);
    expect(isHttpError(error, 500) && (error.body as string).length).toBe(1024 * 1024);
    // Too big to drain: the connection is dropped, the error still carries the first MiB, the client carries on.
    const enormous = await http.request({ method: 'GET', path: '/enormous' }).catch((e: unknown) => e);
    expect(isHttpError(enormous, 500) && (enormous.body as string).length).toBe(1024 * 1024);
    expect((await http.request({ method: 'GET', path: '/ok' })).body).toBe('fine');
  });

  it('caps connections per origin', async () => {
    const server = await loopback((_req, res) => {
      setTimeout(() => res.end('ok'), 20);
    });
    const http = client({ baseUrl: server.url, connections: 3 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => http.request({ method: 'GET', path: `/${i}` })));
    expect(server.connections()).toBe(3);
  });
});
