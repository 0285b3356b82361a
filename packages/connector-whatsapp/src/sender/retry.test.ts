import { describe, expect, it } from 'vitest';
import { WhatsAppApiError } from '../errors/index.js';
import { SendRetries } from './retry.js';

const refusal = (code: number) => new WhatsAppApiError({ code, message: `refused ${code}` });

describe('SendRetries', () => {
  it('throttles after 130429 with a doubling penalty, then gives up after throughputRetries', () => {
    const retries = new SendRetries({ throughputRetries: 3, throughputPenaltyMs: 100 });
    const steps = Array.from({ length: 4 }, () => retries.next(refusal(130429)));
    expect(steps).toEqual([
      { kind: 'throttle', penaltyMs: 100 },
      { kind: 'throttle', penaltyMs: 200 },
      { kind: 'throttle', penaltyMs: 400 },
      { kind: 'give_up' },
    ]);
  });

  it('backs a pair off by the schedule (1, 4, 16, 64 s by default), then gives up', () => {
    const retries = new SendRetries({});
    const steps = Array.from({ length: 5 }, () => retries.next(refusal(131056)));
    expect(steps).toEqual([
      { kind: 'pair_backoff', delayMs: 1000, retry: 1 },
      { kind: 'pair_backoff', delayMs: 4000, retry: 2 },
      { kind: 'pair_backoff', delayMs: 16_000, retry: 3 },
      { kind: 'pair_backoff', delayMs: 64_000, retry: 4 },
      { kind: 'give_up' },
    ]);
  });

  it('waits 400, 800 ms after transient errors: transientAttempts counts every attempt, the first included', () => {
    const retries = new SendRetries({});
    expect([131000, 1, 2].map((code) => retries.next(refusal(code)))).toEqual([
      { kind: 'transient', delayMs: 400 },
      { kind: 'transient', delayMs: 800 },
      { kind: 'give_up' },
    ]);
  });

  it('keeps a budget per kind: a pair back-off does not use up throughput retries', () => {
    const retries = new SendRetries({ throughputRetries: 1, pairBackoffMs: [5] });
    expect(retries.next(refusal(130429))).toEqual({ kind: 'throttle', penaltyMs: 250 });
    expect(retries.next(refusal(131056))).toEqual({ kind: 'pair_backoff', delayMs: 5, retry: 1 });
    expect(retries.next(refusal(130429))).toEqual({ kind: 'give_up' });
  });

  it("walks a template's fallback languages on 132001, then gives up", () => {
    const retries = new SendRetries({}, ['ne', 'en_US', 'en']);
    expect(retries.next(refusal(132001))).toEqual({ kind: 'fallback', from: 'ne', to: 'en_US' });
    expect(retries.next(refusal(132001))).toEqual({ kind: 'fallback', from: 'en_US', to: 'en' });
    expect(retries.next(refusal(132001))).toEqual({ kind: 'give_up' });
    // Not a template (no languages): nothing to fall back to.
    expect(new SendRetries({}).next(refusal(132001))).toEqual({ kind: 'give_up' });
  });

  it('pauses on spam and policy blocks, alerts on credentials, gives up on anything else', () => {
    const retries = new SendRetries({});
    expect(retries.next(refusal(131048))).toEqual({ kind: 'pause', reason: 'spam_rate_limit' });
    expect(retries.next(refusal(368))).toEqual({ kind: 'pause', reason: 'policy_block' });
    expect(retries.next(refusal(190))).toEqual({ kind: 'credentials' });
    expect(retries.next(refusal(131026))).toEqual({ kind: 'give_up' });
    expect(retries.next(refusal(999_999))).toEqual({ kind: 'give_up' });
  });
});
