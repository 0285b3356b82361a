import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test-support/harness.js';
import { answerClientErrorsAsProblems } from './client-error.js';

/** Sends raw bytes and reads everything until the server closes the connection. */
function raw(url: string, bytes: string | Buffer, { end = true } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(bytes);
      if (end) socket.end();
    });
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      out += chunk;
    });
    socket.on('close', () => resolve(out));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(out) : reject(error)));
  });
}

/** The problem document of the last raw response in `text`. */
function lastProblem(text: string): { status: number; headers: string; body: Record<string, unknown> } {
  const at = text.lastIndexOf('HTTP/1.1 ');
  const response = text.slice(at);
  const split = response.indexOf('\r\n\r\n');
  return {
    status: Number(response.slice(9, 12)),
    headers: response.slice(0, split).toLowerCase(),
    body: JSON.parse(response.slice(split + 4)) as Record<string, unknown>,
  };
}

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

describe("Node's own refusals are problem+json (raw sockets)", () => {
  it('a malformed request line is a 400 MALFORMED_REQUEST with Connection: close', async () => {
    const answer = lastProblem(await raw(t.url, 'GET /healthz HTTP/1.1 extra junk\r\nHost: x\r\n\r\n'));
    expect(answer.status).toBe(400);
    expect(answer.headers).toContain('content-type: application/problem+json');
    expect(answer.headers).toContain('connection: close');
    expect(answer.headers).toContain('x-content-type-options: nosniff');
    expect(answer.body).toMatchObject({
      status: 400,
      code: 'MALFORMED_REQUEST',
      type: '/docs#problem-MALFORMED_REQUEST',
    });
  });

  it('a body longer than its Content-Length (the rest parsed as a request) is a 400 problem', async () => {
    const text = await raw(t.url, 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{"smuggled":1}');
    const answer = lastProblem(text);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });

  it('32 KB of headers is a 431 HEADERS_TOO_LARGE', async () => {
    const answer = lastProblem(
      await raw(t.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`),
    );
    expect(answer.status).toBe(431);
    expect(answer.headers).toContain('content-type: application/problem+json');
    expect(answer.body).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
  });

  it('a request whose headers never finish is a 408 REQUEST_TIMEOUT', async () => {
    // The gateway keeps Node's timeouts (a minute); a server with short ones shows the same handler at work.
    const server: Server = createServer(
      { headersTimeout: 200, requestTimeout: 300, connectionsCheckingInterval: 50 },
      (_q, s) => s.end('ok'),
    );
    answerClientErrorsAsProblems(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const answer = lastProblem(await raw(url, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', { end: false }));
      expect(answer.status).toBe(408);
      expect(answer.body).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
      expect(answer.headers).toContain('connection: close');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('well-formed requests on the same server are unaffected', async () => {
    const text = await raw(t.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
  });
});
