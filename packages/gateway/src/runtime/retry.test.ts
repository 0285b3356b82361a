import { RelaykitError, ValidationError } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyFailure, toJobError } from './retry.js';

const policy = { attempts: 5, backoff: 'exponential' as const, delay: 1000, maxDelay: 10_000 };

describe('retry decisions', () => {
  it("asks the connector's classifier first, then applies the default rule", () => {
    const classify = () => ({ action: 'fatal' as const });
    expect(classifyFailure(new Error('boom'), { attempt: 1, idempotent: true }, classify)).toEqual({ action: 'fatal' });
    expect(classifyFailure(new Error('boom'), { attempt: 1, idempotent: true }, () => undefined)).toEqual({
      action: 'retry',
    });
    expect(classifyFailure(new ValidationError('bad'), { attempt: 1, idempotent: true })).toEqual({ action: 'fatal' });
    expect(classifyFailure(new RelaykitError('UPSTREAM_AUTH', 'no'), { attempt: 1, idempotent: true })).toEqual({
      action: 'fatal',
    });
    expect(
      classifyFailure(new RelaykitError('UPSTREAM_UNAVAILABLE', '503'), { attempt: 1, idempotent: false }),
    ).toEqual({ action: 'retry' });
  });

  it('retries an ambiguous failure (timeout, dropped connection) only when the operation is idempotent', () => {
    expect(classifyFailure(new RelaykitError('UPSTREAM_TIMEOUT', 't'), { attempt: 1, idempotent: true })).toEqual({
      action: 'retry',
    });
    expect(classifyFailure(new RelaykitError('UPSTREAM_TIMEOUT', 't'), { attempt: 1, idempotent: false })).toEqual({
      action: 'fatal',
    });
  });

  it("honours an upstream's Retry-After hint", () => {
    const limited = Object.assign(new RelaykitError('UPSTREAM_RATE_LIMITED', '429'), { retryAfterMs: 4000 });
    expect(classifyFailure(limited, { attempt: 1, idempotent: true })).toEqual({
      action: 'retry_after',
      delayMs: 4000,
    });
  });

  it('backs off exponentially with ±20 % jitter, capped, and clamps hints into [scheduled, maxDelay]', () => {
    const mid = () => 0.5;
    expect(backoffDelay(policy, 1, undefined, mid)).toBe(1000);
    expect(backoffDelay(policy, 3, undefined, mid)).toBe(4000);
    expect(backoffDelay(policy, 10, undefined, mid)).toBe(10_000);
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(800);
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(1200);
    expect(backoffDelay({ ...policy, backoff: 'fixed' }, 4, undefined, mid)).toBe(1000);
    expect(backoffDelay(policy, 1, 50, mid)).toBe(1000);
    expect(backoffDelay(policy, 1, 5000, mid)).toBe(5000);
    expect(backoffDelay(policy, 1, 3_600_000, mid)).toBe(10_000);
  });

  it('records errors without stacks, with validation issues', () => {
    expect(toJobError(new ValidationError('bad', [{ path: ['a'], message: 'x' }]), false)).toEqual({
      code: 'VALIDATION',
      message: 'bad',
      retryable: false,
      details: { issues: [{ path: ['a'], message: 'x' }] },
    });
    expect(toJobError(new TypeError('oops'))).toEqual({ code: 'INTERNAL', message: 'oops' });
  });
});
