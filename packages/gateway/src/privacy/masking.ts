import {
  maskPersonalData,
  PII_MASKS,
  personalDataOf,
  redact,
  redactString,
  type PersonalValue,
} from '@relaykit/sdk-core';
import type { LoadedInstance } from '../runtime/instances.js';
import type { StoredPayloadMasker } from '../store/job-store.js';
import { isIdentifierKind, normaliseIdentifier } from './blind-index.js';
import { schemasOf } from './subjects.js';

/** What is left after the marks: phone numbers and e-mail addresses written anywhere (error texts, unmarked fields). */
const PATTERNS = { maskPhones: true, maskEmails: true } as const;

/**
 * The masker of the `storeMasked` mode: a finished job's input and result lose every value their schemas mark
 * (replaced by its mask, as in audit payloads); then every string left — the result's unmarked fields, the error
 * message, each attempt's error text — has the input's marked values (and the E.164 form of its phones) replaced by
 * their masks, and the phone numbers and e-mail addresses the redaction patterns find.
 */
export function storedPayloadMasker(
  instances: ReadonlyMap<string, LoadedInstance>,
  region: string | undefined,
): StoredPayloadMasker {
  return (job) => {
    const schemas = schemasOf(instances, job);
    const found: PersonalValue[] = schemas.input ? personalDataOf(schemas.input, job.input) : [];
    const values = new Map<string, string>();
    for (const { kind, value } of found) {
      if (value.trim().length < 3) continue;
      values.set(value, PII_MASKS[kind]);
      if (isIdentifierKind(kind)) values.set(normaliseIdentifier(kind, value, region), PII_MASKS[kind]);
    }
    // Longest first, so a number inside its international form is replaced whole.
    const known = [...values.entries()].sort((a, b) => b[0].length - a[0].length);
    const text = (message: string) => {
      let out = message;
      for (const [value, mask] of known) out = out.split(value).join(mask);
      return redactString(out, PATTERNS);
    };
    const strings = (value: unknown): unknown => {
      if (typeof value === 'string') return text(value);
      if (Array.isArray(value)) return value.map(strings);
      if (value && typeof value === 'object')
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strings(v)]));
      return value;
    };
    const input = schemas.input ? maskPersonalData(schemas.input, job.input) : job.input;
    const result =
      job.result == null ? job.result : schemas.output ? maskPersonalData(schemas.output, job.result) : job.result;
    return {
      input: redact(strings(input), PATTERNS),
      result: result == null ? result : redact(strings(result), PATTERNS),
      error: job.error
        ? {
            ...job.error,
            message: text(job.error.message),
            ...(job.error.details ? { details: strings(job.error.details) as Record<string, unknown> } : {}),
          }
        : null,
      text,
    };
  };
}
