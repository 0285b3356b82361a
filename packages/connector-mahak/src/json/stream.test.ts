import { describe, expect, it } from 'vitest';
import { parseLosslessJson, parseLosslessJsonWithSpans } from './lossless.js';
import { JsonRecordSplitter } from './stream.js';

const records = [
  '{"PersonId":1,"RowVersion":9223372036854775807,"Credit":12345678901234567890.1234,"FirstName":"a \\"quoted\\" {brace} [x], y"}',
  '{"PersonId":2,"RowVersion":9007199254740993,"FirstName":"back\\\\slash\\\\","Nested":{"a":[1,{"b":"}"}]},"Email":null}',
  '{"PersonId":3,"RowVersion":4000000001,"FirstName":"علی رضایی","Tags":[],"Deleted":true}',
];
const answer = ` {"Result":true, "Code":0,"Message":"ok \\"]}\\"","Data":{"Objects":{"People" : [ ${records.join(' ,\n')} ],"Products":[],"Extra":[1,2]},"More":"x"}} `;

function split(text: string, sizes: (i: number) => number) {
  const seen: Array<[string, string]> = [];
  const splitter = new JsonRecordSplitter((key, json) => seen.push([key, json]));
  for (let i = 0, n = 0; i < text.length; n++) {
    const size = sizes(n);
    splitter.write(text.slice(i, i + size));
    i += size;
  }
  return { seen, envelope: parseLosslessJson(splitter.end()) };
}

describe('JsonRecordSplitter', () => {
  it('cuts out every record exactly as written, whatever the chunking, and leaves a valid envelope', () => {
    const whole = parseLosslessJsonWithSpans(answer, 4);
    const expectedEnvelope = parseLosslessJson(
      answer.replace(/\[ \{.*\} \]/s, '[]'), // the envelope with its records taken out
    );
    for (const size of [1, 2, 3, 5, 7, 13, 64, answer.length]) {
      const { seen, envelope } = split(answer, () => size);
      expect(seen.map(([, json]) => json)).toEqual(whole.spans);
      expect(seen.map(([key]) => key)).toEqual(['People', 'People', 'People']);
      expect(envelope).toEqual(expectedEnvelope);
    }
    // Irregular chunks, cut anywhere (inside escapes, numbers, multi-byte text).
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return 1 + (seed % 40);
    };
    for (let run = 0; run < 200; run++) expect(split(answer, random).seen.map(([, j]) => j)).toEqual(whole.spans);
  });

  it('parses each record losslessly', () => {
    const { seen } = split(answer, () => 9);
    const first = parseLosslessJson(seen[0]![1]) as Record<string, unknown>;
    expect(first.RowVersion).toBe('9223372036854775807');
    expect(first.Credit).toBe('12345678901234567890.1234');
  });

  it('refuses a text that ends inside a value or a string', () => {
    const cut = new JsonRecordSplitter(() => {});
    cut.write(answer.slice(0, 120));
    expect(() => cut.end()).toThrow(SyntaxError);
    const inString = new JsonRecordSplitter(() => {});
    inString.write('{"Result":"unterminated');
    expect(() => inString.end()).toThrow(/inside a string/);
  });
});
