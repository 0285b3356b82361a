import { describe, expect, it } from 'vitest';
import { errorFingerprint, normaliseMessage } from './fingerprint.js';

describe('error fingerprints', () => {
  it('replaces numbers, uuids, ids, e-mails and quoted values', () => {
    expect(normaliseMessage('order 1234 rejected: "ACME Ltd" owes 12.50')).toBe('order <n> rejected: <value> owes <n>');
    expect(normaliseMessage('job job_0abc12345def6789012345678 for 3f2b1c4d-1111-4222-8333-444455556666')).toBe(
      'job <id> for <uuid>',
    );
    expect(normaliseMessage("user jane@example.com not found in 'Sales'")).toBe('user <email> not found in <value>');
    expect(normaliseMessage('token deadbeefcafe1234 expired')).toBe('token <id> expired');
  });

  it('groups messages that differ only in their variable parts, and keeps instance, operation and code apart', () => {
    const base = { instance: 'sf', operation: 'upsert', code: 'UPSTREAM_REJECTED' };
    const a = errorFingerprint({ ...base, message: 'row 17 rejected: "x"' });
    expect(errorFingerprint({ ...base, message: 'row 9   rejected: "other"' })).toBe(a);
    expect(errorFingerprint({ ...base, message: 'row 9 refused' })).not.toBe(a);
    expect(errorFingerprint({ ...base, code: 'VALIDATION', message: 'row 17 rejected: "x"' })).not.toBe(a);
    expect(errorFingerprint({ ...base, instance: 'sf2', message: 'row 17 rejected: "x"' })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });
});
