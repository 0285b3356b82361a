import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arrayLiteral, compileCopyEncoder, copyField, copyText, isoTimestamp } from './encode.js';

describe('COPY text encoding', () => {
  it('escapes backslash, tab, newline and carriage return only', () => {
    expect(copyText('plain "quoted" {x}')).toBe('plain "quoted" {x}');
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText('\\N')).toBe('\\\\N'); // the text "\N" is not NULL
  });

  it('writes each type the way PostgreSQL reads it', () => {
    expect(
      [null, undefined, 2n ** 63n - 1n, 42, true, false, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), 'x\ty'].map(
        copyField,
      ),
    ).toEqual(['\\N', '\\N', '9223372036854775807', '42', 't', 'f', '2024-01-02T03:04:05.006Z', 'x\\ty']);
  });

  it('compiles one encoder per table with the same output as the generic path', () => {
    const encode = compileCopyEncoder([
      { column: 'mahak_id', type: 'int64' },
      { column: 'name', type: 'text' },
      { column: 'price', type: 'decimal' },
      { column: 'kind', type: 'int' },
      { column: 'at', type: 'date' },
      { column: 'flag', type: 'bool' },
      { column: 'odd "name"', type: 'text' },
    ]);
    const at = new Date(Date.UTC(2025, 2, 1, 8, 30));
    expect(
      encode({
        mahak_id: 9007199254740993n,
        name: 'tab\there',
        price: '12.5',
        kind: 3,
        at,
        flag: true,
        'odd "name"': null,
      }),
    ).toBe(['9007199254740993', 'tab\\there', '12.5', '3', '2025-03-01T08:30:00.000Z', 't', '\\N'].join('\t'));
    // Values of an unexpected type still encode (a caller's own LocalRow): through the generic path.
    expect(encode({ mahak_id: 7, name: 5, price: null, kind: null, at: '2025-03-01', flag: null })).toBe(
      ['7', '5', '\\N', '\\N', '2025-03-01', '\\N', '\\N'].join('\t'),
    );
  });

  it('formats timestamps exactly like toISOString', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }), (d) => {
        expect(isoTimestamp(d)).toBe(d.toISOString());
      }),
      { numRuns: 2000 },
    );
    for (const ms of [0, -1, 86_399_999, 86_400_000, 951_782_400_000, -62_198_755_200_000])
      expect(isoTimestamp(new Date(ms))).toBe(new Date(ms).toISOString());
    expect(() => isoTimestamp(new Date(NaN))).toThrow(RangeError);
  });

  it('builds array literals', () => {
    expect(arrayLiteral([1n, null, 2], false)).toBe('{1,NULL,2}');
    expect(arrayLiteral(['a"b', 'c\\d', 'NULL', '12'], true)).toBe('{"a\\"b","c\\\\d","NULL","12"}');
    expect(arrayLiteral(['12.5', 'x y'], false)).toBe('{12.5,"x y"}');
  });
});
