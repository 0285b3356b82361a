import { createHash } from 'node:crypto';

// Order matters: specific shapes first, so a uuid is not read as digits and an e-mail not as a quoted value.
const RULES: Array<[RegExp, string]> = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '<email>'],
  [/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '<value>'],
  // Prefixed ids (job_…, rk_…, wamid.…) and long hex or base64-ish tokens.
  [/\b[A-Za-z]{1,10}[_.][A-Za-z0-9_=-]{8,}\b/g, '<id>'],
  [/\b[0-9a-f]{12,}\b/gi, '<id>'],
  [/\d+(?:[.,]\d+)*/g, '<n>'],
];

/**
 * An error message with its variable parts replaced (uuids, e-mails, quoted values, ids, numbers), so that
 * "order 1234 rejected" and "order 98 rejected" group together. Whitespace is collapsed; at most 500 characters.
 */
export function normaliseMessage(message: string): string {
  let out = message;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/** The fingerprint of a failure: a hash of (instance, operation, error code, normalised message), 32 hex digits. */
export function errorFingerprint(failure: {
  instance: string;
  operation: string;
  code: string;
  message: string;
}): string {
  return createHash('sha256')
    .update(JSON.stringify([failure.instance, failure.operation, failure.code, normaliseMessage(failure.message)]))
    .digest('hex')
    .slice(0, 32);
}
