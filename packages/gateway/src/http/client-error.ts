import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CODES } from '../errors/index.js';
import { PROBLEM_JSON } from './problem.js';

/** Node's parser and timeout errors, by the status and problem code we answer them with. */
function classify(code: string | undefined): { status: number; code: keyof typeof PROBLEM_CODES & string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'HEADERS_TOO_LARGE' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_REQUEST_TIMEOUT')
    return { status: 408, code: 'REQUEST_TIMEOUT' };
  return { status: 400, code: 'MALFORMED_REQUEST' };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * The raw HTTP/1.1 answer to a request Node refused before Koa saw it (malformed request line or
 * headers, a body longer than its Content-Length, headers over the size limit, a request too slow):
 * a problem+json document with a stable code, and `Connection: close` (the stream cannot be trusted).
 */
export function clientErrorResponse(error: { code?: string }): string {
  const { status, code } = classify(error.code);
  const known = PROBLEM_CODES[code]!;
  const body = JSON.stringify({
    type: `/docs#problem-${code}`,
    title: known.title,
    status,
    detail: known.explanation,
    code,
  });
  return [
    `HTTP/1.1 ${status} ${REASONS[status]}`,
    `Content-Type: ${PROBLEM_JSON}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * Answers Node's client errors as problem+json instead of its plain-text default. Like Node, it
 * writes only when no response on that connection has started (else the peer would read a corrupt
 * stream) and never for a connection the client already reset.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error));
  });
}
