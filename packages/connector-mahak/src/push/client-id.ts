import { createHash } from 'node:crypto';

const INT63 = (1n << 63n) - 1n;

/**
 * A stable Mahak ClientId for a record of the store: the first 8 bytes of SHA-256(`<namespace>:<kind>:<storeId>`),
 * masked to a positive int64 (0 is never returned: it means "no ClientId" to Mahak). The same store id always
 * gives the same ClientId, so a retried or replayed save is recognised by Mahak and creates nothing new. With
 * 63 random bits, the chance of any collision among n records is about n²/2⁶⁴ (≈ 5×10⁻⁸ for a million orders).
 * Use one `namespace` per store sharing a Mahak database.
 */
export function mahakClientId(kind: string, storeId: string, namespace = 'relaykit'): bigint {
  const digest = createHash('sha256').update(`${namespace}:${kind}:${storeId}`, 'utf8').digest();
  const id = digest.readBigUInt64BE(0) & INT63;
  return id === 0n ? 1n : id;
}
