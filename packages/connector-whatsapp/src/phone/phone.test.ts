import { isValidationError } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { normalizePhoneNumber, toWaId } from './index.js';

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
      try { normalizePhoneNumber(bad, { defaultRegion: 'NP' }); } catch (e) { error = e; }
      expect(isValidationError(error)).toBe(true);
    }
    expect(() => normalizePhoneNumber('9841234567')).toThrow(/no default region/);
  });
});
