import {
  isAbortedError,
  isRelaykitError,
  isValidationError,
  type ErrorClassifier,
  type RetryDecision,
} from '@relaykit/sdk-core';
import type { JobError } from '../store/types.js';

/** An instance's retry policy (from its configuration). */
export interface RetryPolicy {
  attempts: number;
  backoff: 'fixed' | 'exponential';
  delay: number;
  maxDelay: number;
}

const FATAL_CODES = new Set([
  'VALIDATION',
  'UPSTREAM_AUTH',
  'UPSTREAM_REJECTED',
  'CONFIG',
  'NOT_FOUND',
  'CONFLICT',
  'ENCRYPTION_KEY_MISSING',
]);
// LEASE_LOST: the attempt was cut off mid-operation (another worker may have taken it over); the upstream may have done the work.
const AMBIGUOUS_CODES = new Set(['UPSTREAM_TIMEOUT', 'UPSTREAM_NETWORK', 'LEASE_LOST']);

/**
 * Decides what a failed attempt means: the connector's `classify` first, then the default rule —
 * validation, auth and rejected requests are fatal; a timeout or dropped connection is retried only
 * when the operation is idempotent (the upstream may have done the work); anything else is retried.
 */
export function classifyFailure(
  error: unknown,
  context: { attempt: number; idempotent: boolean },
  classify?: ErrorClassifier,
): RetryDecision {
  const fromConnector = classify?.(error, context);
  if (fromConnector) return fromConnector;
  if (isValidationError(error)) return { action: 'fatal' };
  if (isRelaykitError(error)) {
    if (FATAL_CODES.has(error.code)) return { action: 'fatal' };
    if (error.code === 'UPSTREAM_HTTP') {
      const status = (error as { status?: number }).status;
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409)
        return { action: 'fatal' };
    }
    if (AMBIGUOUS_CODES.has(error.code) && !context.idempotent) return { action: 'fatal' };
    const hint = (error as { retryAfterMs?: number }).retryAfterMs;
    if (typeof hint === 'number' && hint > 0) return { action: 'retry_after', delayMs: hint };
  }
  if (isAbortedError(error) && !context.idempotent) return { action: 'fatal' };
  return { action: 'retry' };
}

/**
 * Delay before attempt `attempt + 1`. Exponential doubles `delay` per attempt; both are capped at
 * `maxDelay` and get ±20 % jitter. A server hint (`retry_after`) is honoured but clamped to
 * [scheduled delay, maxDelay] so a tiny hint cannot cause a retry storm and a huge one cannot park a job for days.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, hintMs?: number, random = Math.random): number {
  const base = policy.backoff === 'fixed' ? policy.delay : policy.delay * 2 ** Math.max(0, attempt - 1);
  const scheduled = Math.min(base, policy.maxDelay) * (0.8 + 0.4 * random());
  const chosen = hintMs === undefined ? scheduled : Math.max(scheduled, Math.min(hintMs, policy.maxDelay));
  return Math.max(0, Math.round(Math.min(chosen, policy.maxDelay)));
}

/** A log- and API-safe view of an error (code and message, never a stack). */
export function toJobError(error: unknown, retryable?: boolean): JobError {
  if (isRelaykitError(error)) {
    const issues = (error as { issues?: unknown }).issues;
    return {
      code: error.code,
      message: error.message,
      ...(retryable === undefined ? {} : { retryable }),
      ...(issues ? { details: { issues } } : error.details ? { details: safeDetails(error.details) } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message, ...(retryable === undefined ? {} : { retryable }) };
}

function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
