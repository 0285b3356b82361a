import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors/http.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { isSecretKey, redact, redactString } from './redact.js';
import { isRedactingLogger, redactingLogger } from './redacting-logger.js';

describe('redact', () => {
  it('hides secret headers and keys at any depth, case- and separator-insensitively', () => {
    const out = redact({
      headers: {
        Authorization: 'Bearer abc',
        'Proxy-Authorization': 'Basic x',
        Cookie: 'a=b',
        'set-cookie': ['s=1'],
        'Ocp-Apim-Subscription-Key': 'k',
        'X-API-Key': 'k2',
        accept: 'application/json',
      },
      body: {
        access_token: 't',
        refresh_token: 'r',
        password: 'p',
        client_secret: 'c',
        api_key: 'a',
        assertion: 'j',
        nested: [{ sfAccessToken: 'x', webhook_secret: 'y', name: 'kept' }],
      },
    });
    expect(out).toEqual({
      headers: {
        Authorization: '[REDACTED]',
        'Proxy-Authorization': '[REDACTED]',
        Cookie: '[REDACTED]',
        'set-cookie': '[REDACTED]',
        'Ocp-Apim-Subscription-Key': '[REDACTED]',
        'X-API-Key': '[REDACTED]',
        accept: 'application/json',
      },
      body: {
        access_token: '[REDACTED]',
        refresh_token: '[REDACTED]',
        password: '[REDACTED]',
        client_secret: '[REDACTED]',
        api_key: '[REDACTED]',
        assertion: '[REDACTED]',
        nested: [{ sfAccessToken: '[REDACTED]', webhook_secret: '[REDACTED]', name: 'kept' }],
      },
    });
  });

  it('masks Luhn-valid card numbers in strings, keeping the last 4, and leaves other digit runs', () => {
    expect(redactString('pay 4111 1111 1111 1111 now')).toBe('pay ************1111 now');
    expect(redactString('pan=4012-8888-8888-1881')).toBe('pan=************1881');
    expect(redactString('amex 378282246310005')).toBe('amex ***********0005');
    // Not Luhn-valid, or too short: an order number stays readable.
    expect(redactString('order 4111111111111112')).toBe('order 4111111111111112');
    expect(redactString('id 123456789012')).toBe('id 123456789012');
  });

  it('finds a card number next to other digits', () => {
    expect(redactString('ref 7 4111 1111 1111 1111 ok')).toBe('ref 7 ************1111 ok');
    expect(redactString('order-12-4111-1111-1111-1111')).toBe('order-12-************1111');
  });

  it('property: no Luhn-valid card number survives, whatever surrounds it', () => {
    const luhnDigit = (body: string) => {
      for (let d = 0; d < 10; d++) {
        const candidate = body + d;
        let sum = 0;
        for (let i = 0; i < candidate.length; i++) {
          let v = Number(candidate[candidate.length - 1 - i]);
          if (i % 2 === 1) {
            v *= 2;
            if (v > 9) v -= 9;
          }
          sum += v;
        }
        if (sum % 10 === 0) return candidate;
      }
      throw new Error('unreachable');
    };
    const pan = fc
      .integer({ min: 12, max: 18 })
      .chain((n) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }))
      .map((ds) => luhnDigit(ds.join('')));
    const sep = fc.constantFrom('', ' ', '-');
    fc.assert(
      fc.property(fc.string(), pan, sep, fc.string(), (before, number, separator, after) => {
        const grouped = number.replace(/(\d{4})(?=\d)/g, `$1${separator}`);
        const out = redactString(`${before} ${grouped} ${after}`);
        expect(out.replace(/[ -]/g, '')).not.toContain(number.slice(0, -4));
      }),
      { numRuns: 500 },
    );
  });

  it('masks secrets in URL query strings and form bodies, bearer credentials and JSON text', () => {
    expect(redactString('https://h/cb?state=1&access_token=abc&code=xyz#f')).toBe(
      'https://h/cb?state=1&access_token=[REDACTED]&code=[REDACTED]#f',
    );
    expect(redactString('grant_type=password&username=u&password=p%40ss&client_secret=s')).toBe(
      'grant_type=password&username=u&password=[REDACTED]&client_secret=[REDACTED]',
    );
    expect(redactString('sent Authorization: Bearer eyJhbGciOi.abc.def')).toBe('sent Authorization: Bearer [REDACTED]');
    expect(redactString('{"access_token":"abc","instance_url":"https://x"}')).toBe(
      '{"access_token":"[REDACTED]","instance_url":"https://x"}',
    );
  });

  it('masks e-mails and phone numbers only when configured', () => {
    const text = 'reach jane.doe@example.org or +98 912 345 6789';
    expect(redactString(text)).toBe(text);
    expect(redactString(text, { maskEmails: true, maskPhones: true })).toBe('reach ***@example.org or +**********89');
    expect(redactString('call (021) 8888-1234 or 09123456789', { maskPhones: true })).toBe(
      'call *********34 or *********89',
    );
    // Dates and addresses are left alone.
    expect(redactString('at 2026-11-22T04:00:00Z from 192.168.100.200', { maskPhones: true })).toBe(
      'at 2026-11-22T04:00:00Z from 192.168.100.200',
    );
  });

  it('serialises errors (message, stack, fields, cause) with everything redacted', () => {
    const error = new HttpError(
      {
        status: 400,
        headers: { 'set-cookie': 'sid=1' },
        body: { refresh_token: 'r' },
        method: 'GET',
        url: 'https://h/x?token=[REDACTED]',
        upstream: 'h',
      },
      { cause: new Error('card 4111111111111111') },
    );
    const out = redact({ err: error }) as unknown as { err: Record<string, unknown> };
    expect(out.err).toMatchObject({
      type: 'HttpError',
      code: 'UPSTREAM_HTTP',
      status: 400,
      headers: { 'set-cookie': '[REDACTED]' },
      body: { refresh_token: '[REDACTED]' },
      cause: { message: 'card ************1111' },
    });
  });

  it('copes with cycles, depth, Maps, URLs and byte arrays, and does not mutate its input', () => {
    const a: Record<string, unknown> = { password: 'p' };
    a.self = a;
    const input = {
      a,
      m: new Map([['token', 't']]),
      u: new URL('https://h/?api_key=1'),
      b: new Uint8Array(3),
      deep: { l1: { l2: { l3: { l4: 1 } } } },
    };
    const out = redact(input, { maxDepth: 3 }) as Record<string, unknown>;
    expect(out.a).toEqual({ password: '[REDACTED]', self: '[Circular]' });
    expect(out.m).toEqual({ token: '[REDACTED]' });
    expect(out.u).toBe('https://h/?api_key=[REDACTED]');
    expect(out.b).toBe('[Uint8Array 3 bytes]');
    expect(out.deep).toEqual({ l1: { l2: '[Object]' } });
    expect(a.password).toBe('p');
  });

  it('cuts long strings after masking', () => {
    expect(redactString(`${'a'.repeat(20)} 4111111111111111`, { maxStringLength: 25 })).toBe(
      `${'a'.repeat(20)} ****…[12 more chars]`,
    );
    expect(redact({ page: 'x'.repeat(10) }, { maxStringLength: 4 })).toEqual({ page: 'xxxx…[6 more chars]' });
  });

  it('accepts extra keys and a custom censor', () => {
    expect(redact({ pin: '1234', x: 1 }, { keys: ['PIN'], censor: '***' })).toEqual({ pin: '***', x: 1 });
    expect(isSecretKey('X-Hub-Signature-256')).toBe(true);
    expect(isSecretKey('content-type')).toBe(false);
  });
});

describe('redactingLogger', () => {
  function capture(): {
    logger: Logger & { isLevelEnabled(level: string): boolean };
    lines: unknown[][];
    level: { min: number };
  } {
    const lines: unknown[][] = [];
    const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
    const level = { min: 0 };
    const make = (bindings: Record<string, unknown>): Logger & { isLevelEnabled(level: string): boolean } => {
      const logger = {
        child: (b: Record<string, unknown>) => make({ ...bindings, ...b }),
        isLevelEnabled: (l: string) => order.indexOf(l) >= level.min,
      } as unknown as Logger & { isLevelEnabled(level: string): boolean };
      for (const l of order)
        (logger as unknown as Record<string, unknown>)[l] = (...args: unknown[]) => lines.push([l, bindings, ...args]);
      return logger;
    };
    return { logger: make({}), lines, level };
  }

  it('redacts merge objects, messages, format arguments and child bindings', () => {
    const { logger, lines } = capture();
    const log = redactingLogger(logger).child({ token: 't0' });
    log.info({ headers: { authorization: 'Bearer x' } }, 'sent to https://h/?access_token=abc');
    // pino's printf-style arguments are redacted too.
    (log.warn as (...args: unknown[]) => void)('card %s', '4111111111111111');
    expect(lines).toEqual([
      [
        'info',
        { token: '[REDACTED]' },
        { headers: { authorization: '[REDACTED]' } },
        'sent to https://h/?access_token=[REDACTED]',
      ],
      ['warn', { token: '[REDACTED]' }, 'card %s', '************1111'],
    ]);
  });

  it('skips levels the target does not write, and is never applied twice', () => {
    const { logger, lines, level } = capture();
    level.min = 2;
    const log = redactingLogger(logger);
    log.debug({ a: 1 }, 'dropped');
    log.info('kept');
    expect(lines).toHaveLength(1);
    expect(isRedactingLogger(log)).toBe(true);
    expect(redactingLogger(log)).toBe(log);
    expect(redactingLogger(silentLogger)).toBe(silentLogger);
  });
});
