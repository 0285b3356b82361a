import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('keeps query parameter names only', () => {
    expect(redactUrl("https://h/q?q=SELECT+Id+WHERE+Email%3D'a%40b.co'&limit=5&flag")).toBe(
      'https://h/q?q=[REDACTED]&limit=[REDACTED]&flag',
    );
    expect(redactUrl('/t?x=1#frag', { censor: '…' })).toBe('/t?x=…');
  });

  it('masks e-mails and phones in path segments, encoded or not, and leaves other segments alone', () => {
    expect(redactUrl('https://h/Contact/Email__c/jane.doe%40example.org')).toBe(
      'https://h/Contact/Email__c/***@example.org',
    );
    expect(redactUrl('/lookup/%2B98%20912%20345%206789/x')).toBe('/lookup/%2B**********89/x');
    expect(redactUrl('/services/data/v62.0/sobjects/Account/001xx000003DGb2AAG')).toBe(
      '/services/data/v62.0/sobjects/Account/001xx000003DGb2AAG',
    );
  });

  it('a parameter name holding personal data is censored too', () => {
    expect(redactUrl('/x?jane%40example.org=1')).toBe('/x?[REDACTED]=[REDACTED]');
  });
});
