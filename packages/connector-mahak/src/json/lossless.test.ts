import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toDate, toDecimal, toInt64 } from '../entities/scalars.js';
import { JsonNumber, parseLosslessJson, stringifyLosslessJson } from './lossless.js';

describe('lossless JSON', () => {
  it('keeps integers above 2^53 and decimals exact, leaves strings alone', () => {
    const text = '{"RowVersion":9007199254741993,"Small":42,"Price":12.10,"Neg":-9223372036854775808,"S":"x 9007199254741993 1.5 \\" 12345678901234567","E":1.5E3}';
    expect(JSON.parse(text).RowVersion).toBe(9007199254741992); // what a naive parse does
    expect(parseLosslessJson(text)).toEqual({ RowVersion: '9007199254741993', Small: 42, Price: '12.10', Neg: '-9223372036854775808', S: 'x 9007199254741993 1.5 " 12345678901234567', E: '1.5E3' });
  });

  it('writes bigints and JsonNumbers as bare numbers with every digit', () => {
    expect(stringifyLosslessJson({ a: 2n ** 63n - 1n, b: new JsonNumber('0.10'), c: [1n, 'x'] })).toBe('{"a":9223372036854775807,"b":0.10,"c":[1,"x"]}');
  });

  it('agrees with a plain token-by-token rewrite on arbitrary JSON', () => {
    // Reference: match every string (kept) and every number (quoted when risky), one regex pass.
    const reference = (text: string) => JSON.parse(text.replace(/"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (t) =>
      t.startsWith('"') || !(/[.eE]/.test(t) || t.replace('-', '').length > 15) ? t : `"${t}"`)) as unknown;
    fc.assert(fc.property(fc.jsonValue(), fc.bigInt({ min: 10n ** 15n, max: 10n ** 19n }), (value, big) => {
      const text = JSON.stringify({ value, big: 0 }).replace('"big":0', `"big":${big}`);
      expect(parseLosslessJson(text)).toEqual(reference(text));
    }), { numRuns: 300 });
  });

  it('round-trips any int64 and any decimal', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.string(), (n, s) => {
      const back = parseLosslessJson(stringifyLosslessJson({ n, s, list: [n] })) as { n: unknown; s: string; list: unknown[] };
      expect(toInt64(back.n)).toBe(n);
      expect(toInt64(back.list[0])).toBe(n);
      expect(back.s).toBe(s);
    }));
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }), (units, scale) => {
      const digits = units.toString().padStart(scale + 1, '0');
      const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
      const back = parseLosslessJson(`{"v":${text}}`) as { v: unknown };
      expect(toDecimal(back.v)).toBe(toDecimal(text));
    }));
  });
});

describe('scalars', () => {
  it('normalises decimals exactly', () => {
    expect(toDecimal('1.2500E3')).toBe('1250');
    expect(toDecimal('0012.100')).toBe('12.1');
    expect(toDecimal('-0.000')).toBe('0');
    expect(toDecimal('99999999999999999999.99')).toBe('99999999999999999999.99');
    expect(toDecimal(125000)).toBe('125000');
    expect(toDecimal('5e-3')).toBe('0.005');
    expect(() => toDecimal('12,5')).toThrow(RangeError);
    expect(() => toDecimal('abc')).toThrow(RangeError);
  });
  it('reads Mahak dates in their several forms', () => {
    expect(toDate('2024-01-01T10:00:00.1234567', 210).toISOString()).toBe('2024-01-01T06:30:00.123Z');
    expect(toDate('2024-01-01T10:00:00+00:00', 210).toISOString()).toBe('2024-01-01T10:00:00.000Z');
    expect(toDate('2024-01-01').toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(toDate(1700000000000).getTime()).toBe(1700000000000);
    expect(toDate('/Date(1700000000000+0330)/').getTime()).toBe(1700000000000);
    expect(() => toDate('yesterday')).toThrow(RangeError);
    expect(() => toDate('2024-13-45T99:00:00')).toThrow(RangeError);
  });

  it('refuses int64 values that could have been rounded', () => {
    expect(() => toInt64(2 ** 53 + 2)).toThrow(RangeError);
    expect(() => toInt64('9223372036854775808')).toThrow(RangeError);
    expect(toInt64('9223372036854775807')).toBe(2n ** 63n - 1n);
  });
});
