import { describe, expect, it } from 'vitest';
import { belongsToSubject, samePhone } from './privacy.js';

describe('belongsToSubject', () => {
  const alice = { phones: ['+9779841234567'], emails: ['alice@example.org'], externalIds: [] };
  it('keeps guardians sharing a household phone apart by e-mail', () => {
    expect(belongsToSubject(alice, { phones: ['+9779841234567'] })).toBe(true);
    expect(belongsToSubject(alice, { phones: ['+9779841234567'], emails: ['alice@example.org'] })).toBe(true);
    expect(belongsToSubject(alice, { phones: ['+9779841234567'], emails: ['bob@example.org'] })).toBe(false);
    expect(belongsToSubject(alice, { emails: ['bob@example.org'] })).toBe(false);
    expect(belongsToSubject(alice, { externalIds: ['G-1'] })).toBe(false);
    expect(belongsToSubject(alice, {})).toBe(false);
  });
});

describe('samePhone', () => {
  it('matches local, international and formatted spellings of one number, and nothing shorter than 7 digits', () => {
    expect(samePhone('+977 985-1112233', '+9779851112233')).toBe(true);
    expect(samePhone('09851112233', '+9779851112233')).toBe(true);
    expect(samePhone('009779851112233', '+9779851112233')).toBe(true);
    expect(samePhone('9851112234', '+9779851112233')).toBe(false);
    expect(samePhone('112233', '+9779851112233')).toBe(false);
    expect(samePhone('', '+9779851112233')).toBe(false);
  });
});
