/**
 * A fresh `Idempotency-Key` (a random UUID). Make one per logical request and send the same one on every retry of it:
 * the gateway then answers a retry with the first answer (the same job) instead of making a second job.
 */
export function createIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}
