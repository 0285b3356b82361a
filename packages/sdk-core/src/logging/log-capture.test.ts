import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../http/client.js';
import type { Logger } from './logger.js';
import { redactingLogger } from './redacting-logger.js';

// Every secret the scripted session uses. None may appear anywhere in the captured log output.
const SECRETS = {
  subscriptionKey: 'sub-key-6f1e9a0c2b7d',
  oldToken: 'eyJold.access.token-AAA111',
  newToken: 'eyJnew.access.token-BBB222',
  clientSecret: 'client-secret-Zq81mX',
  password: 'hunter2-Pa55word!',
  assertion: 'eyJhbGciOiJSUzI1NiJ9.jwt-assertion-payload.sig',
  queryToken: 'query-token-77ab',
  refreshToken: 'refresh-token-5c5c5c',
  cookie: 'sessionid=cookie-value-9f9f',
  pan: '4111111111111111',
  panSpaced: '5500 0000 0000 0004',
  email: 'jane.doe@example.org',
  phone: '+98 912 345 6789',
  apiKeyHeader: 'x-api-key-value-3131',
} as const;

async function read(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

/** A fake upstream that answers the scripted session. */
function handler(counts: Map<string, number>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    const n = (counts.get(url.pathname) ?? 0) + 1;
    counts.set(url.pathname, n);
    await read(req);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    switch (url.pathname) {
      case '/oauth/token':
        return json(
          200,
          { access_token: SECRETS.newToken, refresh_token: SECRETS.refreshToken, token_type: 'Bearer' },
          { 'set-cookie': `${SECRETS.cookie}; HttpOnly` },
        );
      case '/me':
        // 401 for the old token, then fine.
        return req.headers.authorization === `Bearer ${SECRETS.oldToken}`
          ? json(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], {
              'www-authenticate': 'Bearer error="invalid_token"',
            })
          : json(200, { ok: true });
      case '/flaky':
        return n < 3
          ? res
              .writeHead(503, { 'content-type': 'text/html', 'retry-after': '0' })
              .end(`<html>down; token=${SECRETS.queryToken}</html>`)
          : json(200, { ok: true });
      case '/payments':
        return json(422, {
          error: 'card declined',
          card: SECRETS.pan,
          note: `card ${SECRETS.panSpaced} declined for ${SECRETS.email}, call ${SECRETS.phone}`,
          refresh_token: SECRETS.refreshToken,
        });
      default:
        return json(404, { error: 'not found' });
    }
  };
}

describe('log capture: a scripted session writes no secret', () => {
  it('finds none of the secrets in any log line (real pino, level trace)', async () => {
    const counts = new Map<string, number>();
    const server = createServer(handler(counts));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const root = pino({ level: 'trace' }, sink) as unknown as Logger;

    let token: string = SECRETS.oldToken;
    const http = new HttpClient({
      baseUrl: base,
      logger: root,
      tracer: false,
      redact: { maskEmails: true, maskPhones: true },
      defaultHeaders: { 'Ocp-Apim-Subscription-Key': SECRETS.subscriptionKey, 'X-Api-Key': SECRETS.apiKeyHeader },
      auth: {
        headers: () => ({ Authorization: `Bearer ${token}` }),
        reauthenticate: async () => {
          const res = await http.request<{ access_token: string }>({
            method: 'POST',
            path: '/oauth/token',
            form: {
              grant_type: 'password',
              client_id: 'app',
              client_secret: SECRETS.clientSecret,
              username: 'jane',
              password: SECRETS.password,
              assertion: SECRETS.assertion,
            },
          });
          token = res.body.access_token;
        },
      },
      policy: { retry: { maxAttempts: 3, initialDelayMs: 1 } },
    });

    // The SDK's own lines plus what an embedder might log through the same wrapper.
    const log = redactingLogger(root, { maskEmails: true, maskPhones: true }).child({
      instance: 'sf-prod',
      apiKey: SECRETS.apiKeyHeader,
    });

    expect((await http.request({ method: 'GET', path: '/me' })).body).toEqual({ ok: true });
    expect(
      (await http.request({ method: 'GET', path: '/flaky', query: { access_token: SECRETS.queryToken } })).attempts,
    ).toBe(3);
    const declined = await http
      .request({ method: 'POST', path: '/payments', json: { card: SECRETS.pan, email: SECRETS.email } })
      .catch((e: unknown) => e);
    log.error(
      { err: declined, request: { headers: { authorization: `Bearer ${token}`, cookie: SECRETS.cookie } } },
      'payment failed',
    );
    log.info(`retrying with ${SECRETS.pan} and Bearer ${SECRETS.newToken}`);
    log.warn(
      {
        url: `${base}/cb?code=abc&client_secret=${SECRETS.clientSecret}&password=${encodeURIComponent(SECRETS.password)}`,
        body: `grant_type=password&password=${SECRETS.password}&assertion=${SECRETS.assertion}`,
      },
      'callback',
    );
    log.debug(
      { raw: JSON.stringify({ access_token: SECRETS.newToken, refresh_token: SECRETS.refreshToken }) },
      'raw json text',
    );

    await http.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const output = lines.join('');
    if (process.env.DUMP_LOGS) console.log(output);
    // The session did happen and was logged: requests, failures with their errors, retries.
    expect(counts.get('/oauth/token')).toBe(1);
    expect(output).toContain('upstream request failed');
    expect(output).toContain('UPSTREAM_AUTH');
    expect(output).toContain('UPSTREAM_UNAVAILABLE');
    expect(output).toContain('payment failed');
    expect(output).toContain('retrying upstream request');
    expect(output).toContain('************1111');
    expect(output).toContain('***@example.org');
    expect(lines.length).toBeGreaterThanOrEqual(10);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(output.includes(secret), `${name} leaked`).toBe(false);
    }
    expect(output).not.toContain('5500000000000004');
    expect(output).not.toContain('hunter2');
    expect(output).not.toContain('912 345');
  });
});

describe('log capture: URLs carry no personal data into logs', () => {
  const EMAIL = 'jane.doe@example.org';
  const PHONE = '+98 912 345 6789';
  const SOQL = `SELECT Id, Name FROM Contact WHERE Email = '${EMAIL}' OR Phone = '${PHONE}'`;

  async function session(level: 'warn' | 'debug') {
    const server = createServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      const status = path.startsWith('/fail') ? 400 : 200;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status === 200 ? '{"ok":true}' : '[{"errorCode":"MALFORMED_QUERY"}]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // Default options, as a connector that configures nothing: no maskEmails / maskPhones.
    const http = new HttpClient({ baseUrl: base, logger: pino({ level }, sink) as unknown as Logger, tracer: false });
    for (const prefix of ['/fail', '/ok']) {
      await http
        .request({ method: 'GET', path: `${prefix}/services/data/v62.0/query`, query: { q: SOQL } })
        .catch(() => undefined);
      await http
        .request({ method: 'GET', path: `${prefix}/sobjects/Contact/Email__c/${encodeURIComponent(EMAIL)}` })
        .catch(() => undefined);
      await http
        .request({ method: 'GET', path: `${prefix}/lookup/${encodeURIComponent(PHONE)}/${EMAIL}` })
        .catch(() => undefined);
    }
    await http.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return lines.join('');
  }

  const leaks = (output: string) =>
    [EMAIL, encodeURIComponent(EMAIL), 'jane.doe', '912 345', '912+345', '912%20345', '9123456789'].filter((s) =>
      output.includes(s),
    );

  it('at warn, a failed call logs the route and the query parameter names, not the SOQL values or path PII', async () => {
    const output = await session('warn');
    expect(output).toContain('upstream request failed');
    expect(output).toContain('/fail/services/data/v62.0/query?q=[REDACTED]');
    expect(output).toContain('***@example.org');
    expect(leaks(output)).toEqual([]);
  });

  it('at debug, successful calls are logged the same way', async () => {
    const output = await session('debug');
    expect(output).toContain('"msg":"upstream request"');
    expect(output).toContain('/ok/services/data/v62.0/query?q=[REDACTED]');
    expect(leaks(output)).toEqual([]);
  });
});
