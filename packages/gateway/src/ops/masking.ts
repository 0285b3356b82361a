import { redact, type RedactOptions } from '@relaykit/sdk-core';

/**
 * How the operator API masks payloads (job inputs and results, dead-letter records) for readers without
 * `admin:reveal`: secrets, tokens and card numbers (always), e-mail addresses and phone numbers — the same rules
 * as the gateway's log and audit redaction.
 */
export const OPS_MASKING: RedactOptions = Object.freeze({
  maskPhones: true,
  maskEmails: true,
  maxDepth: 16,
  maxStringLength: 16_384,
});

/** `value` masked per {@link OPS_MASKING}, or as it is when `reveal` is set (the caller checked `admin:reveal`). */
export const maskPayload = (value: unknown, reveal: boolean): unknown => (reveal ? value : redact(value, OPS_MASKING));
