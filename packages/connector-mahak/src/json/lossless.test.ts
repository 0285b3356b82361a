import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toDate, toDecimal, toInt64 } from '../entities/scalars.js';
import { JsonNumber, parseLosslessJson, parseLosslessJsonWithSpans, stringifyLosslessJson } from './lossless.js';

describe('lossless JSON', () => {
  it('keeps integers above 2^53 and long decimals exact, leaves strings alone', () => {
    const text =
      '{"RowVersion":9007199254741993,"Small":42,"Price":12.10,"Neg":-9223372036854775808,"S":"x 9007199254741993 1.5 \\" 12345678901234567","E":1.5E3,"Long":12345678901234.567}';
    expect(JSON.parse(text).RowVersion).toBe(9007199254741992); // what a naive parse does
    expect(parseLosslessJson(text)).toEqual({
      RowVersion: '9007199254741993',
      Small: 42,
      Price: 12.1,
      Neg: '-9223372036854775808',
      S: 'x 9007199254741993 1.5 " 12345678901234567',
      E: '1.5E3',
      Long: '12345678901234.567',
    });
  });

  it('handles escapes, exponents, signs, leading zeros and numbers inside strings', () => {
    // A string ending in an escaped backslash, then a big number: the number is outside the string.
    expect(parseLosslessJson('{"a":"x\\\\","b":12345678901234567}')).toEqual({ a: 'x\\', b: '12345678901234567' });
    // An escaped quote does not end the string: the digits stay text inside it.
    expect(parseLosslessJson('{"a":"say \\"12345678901234567\\" ok","b":1}')).toEqual({
      a: 'say "12345678901234567" ok',
      b: 1,
    });
    expect(parseLosslessJson('[1e400,-2.5E-3,1E2,-0,0.000000000000000001,0.1234567890123456]')).toEqual([
      '1e400',
      '-2.5E-3',
      '1E2',
      -0,
      1e-18,
      '0.1234567890123456',
    ]);
    expect(parseLosslessJson('[-123456789012345,-1234567890123456,999999999999999]')).toEqual([
      -123456789012345,
      '-1234567890123456',
      999999999999999,
    ]);
    expect(parseLosslessJson('{"n":[[9007199254740993]],"s":"\\u0022 9007199254740993"}')).toEqual({
      n: [['9007199254740993']],
      s: '" 9007199254740993',
    });
    // Malformed numbers are not rescued by the quoting: JSON.parse still rejects them.
    expect(() => parseLosslessJson('{"a":01234567890123456789}')).toThrow(SyntaxError);
    expect(() => parseLosslessJson('{"a":1.2.3e5}')).toThrow(SyntaxError);
    expect(() => parseLosslessJson('{"a":"unterminated 12345678901234567}')).toThrow(SyntaxError);
  });

  it('cuts out the source text of the records of an envelope', () => {
    const text =
      '{"Result":true,"Data":{"Objects":{"People":[{"PersonId":1,"RowVersion":9007199254741993,"X":{"y":[{"z":1}]}},{"PersonId":2,"S":"} ] {"}],"Empty":[]},"Meta":{"k":{"a":1}}}}';
    const { value, spans } = parseLosslessJsonWithSpans(text, 4);
    expect(spans).toEqual([
      '{"PersonId":1,"RowVersion":9007199254741993,"X":{"y":[{"z":1}]}}',
      '{"PersonId":2,"S":"} ] {"}',
    ]);
    expect(spans.map((s) => parseLosslessJson(s))).toEqual(
      (value as { Data: { Objects: { People: unknown[] } } }).Data.Objects.People,
    );
  });

  it('writes bigints and JsonNumbers as bare numbers with every digit', () => {
    expect(stringifyLosslessJson({ a: 2n ** 63n - 1n, b: new JsonNumber('0.10'), c: [1n, 'x'] })).toBe(
      '{"a":9223372036854775807,"b":0.10,"c":[1,"x"]}',
    );
  });

  it('agrees with a plain token-by-token rewrite on arbitrary JSON', () => {
    // Reference: match every string (kept) and every number (quoted when risky), one regex pass.
    const significant = (t: string) =>
      t
        .replace(/^-/, '')
        .replace(/[eE].*$/, '')
        .replace('.', '')
        .replace(/^0+/, '').length;
    const reference = (text: string) =>
      JSON.parse(
        text.replace(/"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (t) =>
          t.startsWith('"') || !(/[eE]/.test(t) || significant(t) > 15) ? t : `"${t}"`,
        ),
      ) as unknown;
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.bigInt({ min: 10n ** 15n, max: 10n ** 19n }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (value, big, dbl) => {
          const text = JSON.stringify({ value, big: 0, dbl }).replace('"big":0', `"big":${big}`);
          expect(parseLosslessJson(text)).toEqual(reference(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips any int64 and any decimal', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.string(), (n, s) => {
        const back = parseLosslessJson(stringifyLosslessJson({ n, s, list: [n] })) as {
          n: unknown;
          s: string;
          list: unknown[];
        };
        expect(toInt64(back.n)).toBe(n);
        expect(toInt64(back.list[0])).toBe(n);
        expect(back.s).toBe(s);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }), (units, scale) => {
        const digits = units.toString().padStart(scale + 1, '0');
        const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
        const back = parseLosslessJson(`{"v":${text}}`) as { v: unknown };
        expect(toDecimal(back.v)).toBe(toDecimal(text));
      }),
    );
  });
});

describe('scalars', () => {
  it('normalises decimals exactly', () => {
    expect(toDecimal('1.2500E3')).toBe('1250');
    expect(toDecimal('0012.100')).toBe('12.1');
    expect(toDecimal('-0.000')).toBe('0');
    expect(toDecimal('99999999999999999999.99')).toBe('99999999999999999999.99');
    expect(toDecimal(125000)).toBe('125000');
    expect(toDecimal(12.1)).toBe('12.1');
    expect(toDecimal(-0)).toBe('0');
    expect(toDecimal(1e-7)).toBe('0.0000001');
    expect(toDecimal('5e-3')).toBe('0.005');
    expect(() => toDecimal('12,5')).toThrow(RangeError);
    expect(() => toDecimal('abc')).toThrow(RangeError);
  });
  it('formats numbers exactly as their shortest decimal, fast path or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 13), max: 10 ** 13 }), fc.integer({ min: 0, max: 4 }), (units, scale) => {
        const value = units / 10 ** scale;
        expect(toDecimal(value)).toBe(toDecimal(String(value)));
      }),
      { numRuns: 1000 },
    );
    const attempt = (f: () => string) => {
      try {
        return f();
      } catch (error) {
        return (error as Error).name;
      }
    };
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(attempt(() => toDecimal(value))).toBe(attempt(() => toDecimal(String(value))));
      }),
      { numRuns: 1000 },
    );
    expect([79190.1, 79190.01, -0.5, 0.07, -12.3, 1e-7, 123456789012.34].map((v) => toDecimal(v))).toEqual([
      '79190.1',
      '79190.01',
      '-0.5',
      '0.07',
      '-12.3',
      '0.0000001',
      '123456789012.34',
    ]);
  });

  it('reads Mahak dates in their several forms', () => {
    expect(toDate('2024-01-01T10:00:00.1234567', 210).toISOString()).toBe('2024-01-01T06:30:00.123Z');
    expect(toDate('2024-01-01T10:00:00+00:00', 210).toISOString()).toBe('2024-01-01T10:00:00.000Z');
    expect(toDate('2024-01-01').toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(toDate(1700000000000).getTime()).toBe(1700000000000);
    expect(toDate('/Date(1700000000000+0330)/').getTime()).toBe(1700000000000);
    expect(() => toDate('yesterday')).toThrow(RangeError);
    expect(() => toDate('2024-13-45T99:00:00')).toThrow(RangeError);
    expect(() => toDate('2024-02-30T10:00:00')).toThrow(RangeError);
    expect(toDate('2024-02-29T23:59:59', 210).toISOString()).toBe('2024-02-29T20:29:59.000Z');
    expect(toDate('0099-01-01T00:00:00').toISOString()).toBe('0099-01-01T00:00:00.000Z');
  });

  it('refuses int64 values that could have been rounded', () => {
    expect(() => toInt64(2 ** 53 + 2)).toThrow(RangeError);
    expect(() => toInt64('9223372036854775808')).toThrow(RangeError);
    expect(toInt64('9223372036854775807')).toBe(2n ** 63n - 1n);
  });
});
