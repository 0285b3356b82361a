import { describe, expect, it } from 'vitest';
import { BlindIndex, normaliseIdentifier } from './blind-index.js';
import { belongsToSubject, type SubjectRef } from './subjects.js';

describe('blind index', () => {
  it('normalises every spelling of an identifier to one form', () => {
    for (const v of ['9841234567', '+977 984-1234567', '+9779841234567', '9779841234567', ' (984) 123-4567 '])
      expect(normaliseIdentifier('phone', v, 'NP')).toBe('+9779841234567');
    expect(normaliseIdentifier('email', ' Ada@Example.ORG ')).toBe('ada@example.org');
    expect(normaliseIdentifier('id', ' G-1 ')).toBe('G-1');
  });

  it('is keyed: the same value under another key, or of another kind, does not match', () => {
    const a = new BlindIndex(Buffer.alloc(32, 1), 'NP');
    const b = new BlindIndex(Buffer.alloc(32, 2), 'NP');
    expect(a.of('phone', '9841234567')).toBe(a.of('phone', '+977-9841234567'));
    expect(a.of('phone', '9841234567')).not.toBe(b.of('phone', '9841234567'));
    expect(a.of('id', 'x@y.z')).not.toBe(a.of('email', 'x@y.z'));
    expect(a.of('email', 'x@y.z')).toMatch(/^[0-9a-f]{64}$/);
    expect(() => new BlindIndex(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('belongsToSubject', () => {
  const r = (kind: SubjectRef['kind'], hmac: string): SubjectRef => ({ kind, hmac });
  const alice = [r('phone', 'H'), r('email', 'alice')];
  it('a shared phone alone belongs; with another e-mail of the same kind it does not', () => {
    expect(belongsToSubject(alice, [r('phone', 'H')])).toBe(true);
    expect(belongsToSubject(alice, [r('phone', 'H'), r('email', 'alice')])).toBe(true);
    expect(belongsToSubject(alice, [r('phone', 'H'), r('email', 'bob')])).toBe(false);
    expect(belongsToSubject(alice, [r('email', 'bob')])).toBe(false);
    expect(belongsToSubject(alice, [r('phone', 'H'), r('phone', 'P2'), r('id', 'x')])).toBe(true);
    expect(belongsToSubject(alice, [])).toBe(false);
  });
});
