import { isValidationError } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { isPhoneNumberInSomeRegion, normalizePhoneNumber, RecipientPhoneNumber, toWaId } from './index.js';

describe('normalizePhoneNumber', () => {
  it('reads Nepali local mobile numbers in the default region', () => {
    expect(normalizePhoneNumber('9841234567', { defaultRegion: 'NP' })).toBe('+9779841234567');
    expect(normalizePhoneNumber('98-4123 4567', { defaultRegion: 'np' })).toBe('+9779841234567');
    expect(normalizePhoneNumber('+977 984-1234567')).toBe('+9779841234567');
    expect(normalizePhoneNumber('009779841234567')).toBe('+9779841234567');
    expect(normalizePhoneNumber('9779841234567', { defaultRegion: 'NP' })).toBe('+9779841234567');
    expect(toWaId('+9779841234567')).toBe('9779841234567');
  });

  it('keeps international numbers whatever the default region', () => {
    expect(normalizePhoneNumber('+1 650 253 0000', { defaultRegion: 'NP' })).toBe('+16502530000');
  });

  it('rejects invalid numbers with a ValidationError that does not print the whole number', () => {
    for (const bad of ['', 'abc', '12345', '98412', '+977 12']) {
      let error: unknown;
      try {
        normalizePhoneNumber(bad, { defaultRegion: 'NP' });
      } catch (e) {
        error = e;
      }
      expect(isValidationError(error)).toBe(true);
    }
    expect(() => normalizePhoneNumber('9841234567')).toThrow(/no default region/);
  });
});

describe('isPhoneNumberInSomeRegion (the static check of operation inputs)', () => {
  it('accepts what normalizePhoneNumber accepts in some region', () => {
    const cases: Array<[string, string | undefined]> = [
      ['9841234567', 'NP'],
      ['98-4123 4567', 'NP'],
      ['+977 984-1234567', undefined],
      ['009779841234567', undefined],
      ['9779841234567', undefined],
      ['+1 650 253 0000', undefined],
      ['(650) 253-0000', 'US'],
      ['020 7946 0018', 'GB'],
      ['030 123456', 'DE'],
    ];
    for (const [input, region] of cases) {
      expect(() => normalizePhoneNumber(input, region ? { defaultRegion: region } : {})).not.toThrow();
      expect(isPhoneNumberInSomeRegion(input)).toBe(true);
    }
  });

  it('rejects what no region can ever read', () => {
    for (const bad of [
      '12',
      '',
      '   ',
      'abc',
      'bad',
      '+977 12',
      '+1 12',
      '9841234567; DROP',
      '1'.repeat(20),
      '+00000000000',
    ]) {
      expect(isPhoneNumberInSomeRegion(bad)).toBe(false);
      expect(RecipientPhoneNumber.safeParse(bad).success).toBe(false);
    }
  });

  it('gives the same answer whatever was checked before (the recent-region cache only reorders)', () => {
    const inputs = ['020 7946 0018', '9841234567', '12', '(650) 253-0000', '+977 12'];
    const first = inputs.map(isPhoneNumberInSomeRegion);
    expect([...inputs].reverse().map(isPhoneNumberInSomeRegion).reverse()).toEqual(first);
    expect(first).toEqual([true, true, false, true, false]);
  });
});
