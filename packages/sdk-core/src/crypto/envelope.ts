import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RelaykitError } from '../errors/index.js';
import { EncryptionError, EncryptionKeyMissingError } from './errors.js';

/** Version tag of the envelope format. */
export const ENVELOPE_VERSION = 'rk1';
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One AES-256 key with its id (`[A-Za-z0-9_-]{1,64}`, stored in every envelope it seals). */
export interface EnvelopeKey {
  id: string;
  /** 32 bytes, or their base64 / base64url encoding (as {@link generateKey} returns). */
  key: Uint8Array | string;
}

/** Options of {@link createEnvelopeCipher}. */
export interface EnvelopeCipherOptions {
  /** Every key that may have sealed a stored envelope, oldest first. At least one. */
  keys: EnvelopeKey[];
  /** Id of the key that seals new envelopes (default: the last, newest, key). */
  primary?: string;
}

/** Per-call options. */
export interface EnvelopeOptions {
  /**
   * Additional authenticated data: not stored, but must be given again to open the envelope — binds a ciphertext to
   * its context (e.g. a job id or tenant), so it cannot be pasted into another record.
   */
  aad?: string | Uint8Array;
}

/** The parts of an envelope, as {@link parseEnvelope} reads them. */
export interface EnvelopeParts {
  version: string;
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** AES-256-GCM envelope encryption with key rotation. */
export interface EnvelopeCipher {
  /** Id of the key new envelopes are sealed with. */
  readonly primaryKeyId: string;
  /** Seals bytes or a UTF-8 string: `rk1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). */
  encrypt(plaintext: string | Uint8Array, options?: EnvelopeOptions): string;
  /** Opens an envelope sealed with any configured key. */
  decrypt(envelope: string, options?: EnvelopeOptions): Buffer;
  /** Opens an envelope and decodes it as UTF-8. */
  decryptString(envelope: string, options?: EnvelopeOptions): string;
  /** Seals `JSON.stringify(value)`. */
  encryptJson(value: unknown, options?: EnvelopeOptions): string;
  /** Opens an envelope sealed by {@link EnvelopeCipher.encryptJson}. */
  decryptJson<T = unknown>(envelope: string, options?: EnvelopeOptions): T;
  /** True when the envelope was sealed with a key other than the primary one (re-encrypt it during rotation). */
  needsReencrypt(envelope: string): boolean;
  /** Opens with the old key and seals with the primary one (same AAD). */
  reencrypt(envelope: string, options?: EnvelopeOptions): string;
}

/** A fresh random 32-byte key, base64-encoded (store it in your secret manager). */
export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

function toKeyBytes(key: Uint8Array | string, id: string): Buffer {
  const bytes =
    typeof key === 'string' ? Buffer.from(key.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : Buffer.from(key);
  if (bytes.length !== 32)
    throw new RelaykitError(
      'CONFIG',
      `encryption key ${JSON.stringify(id)} must be 32 bytes (AES-256), got ${bytes.length}`,
    );
  return bytes;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** Splits an envelope into its parts without opening it (to read its key id, for instance). */
export function parseEnvelope(envelope: string): EnvelopeParts {
  if (typeof envelope !== 'string') throw new EncryptionError('envelope must be a string');
  const parts = envelope.split('.');
  if (parts.length !== 5 || parts[0] !== ENVELOPE_VERSION)
    throw new EncryptionError(`not a ${ENVELOPE_VERSION} envelope`);
  const [version, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  if (!KEY_ID.test(keyId)) throw new EncryptionError('malformed envelope: bad key id');
  const decoded = {
    version,
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  if (decoded.iv.length !== IV_BYTES || decoded.tag.length !== TAG_BYTES)
    throw new EncryptionError('malformed envelope: bad iv or tag length');
  return decoded;
}

/** The header (version and key id) is always authenticated, then the caller's AAD. */
function aadFor(keyId: string, aad: string | Uint8Array | undefined): Buffer {
  const header = Buffer.from(`${ENVELOPE_VERSION}.${keyId}`, 'utf8');
  if (aad === undefined) return header;
  return Buffer.concat([
    header,
    Buffer.from([0]),
    typeof aad === 'string' ? Buffer.from(aad, 'utf8') : Buffer.from(aad),
  ]);
}

/**
 * Creates an AES-256-GCM envelope cipher for stored payloads and credentials. Each envelope carries the id of the
 * key that sealed it; new envelopes use the primary (by default the newest) key, and any configured key opens old
 * ones — add a key, make it primary, re-encrypt at leisure, then drop the old key.
 *
 * @example
 * ```ts
 * const cipher = createEnvelopeCipher({ keys: [{ id: '2025-01', key: process.env.KEY_2025_01! }, { id: '2026-06', key: process.env.KEY_2026_06! }] });
 * const sealed = cipher.encryptJson({ token: 'secret' }, { aad: `job:${jobId}` });
 * const { token } = cipher.decryptJson<{ token: string }>(sealed, { aad: `job:${jobId}` });
 * ```
 */
export function createEnvelopeCipher(options: EnvelopeCipherOptions): EnvelopeCipher {
  if (!options.keys?.length) throw new RelaykitError('CONFIG', 'createEnvelopeCipher needs at least one key');
  const keys = new Map<string, Buffer>();
  for (const { id, key } of options.keys) {
    if (!KEY_ID.test(id))
      throw new RelaykitError('CONFIG', `encryption key id ${JSON.stringify(id)} must match ${KEY_ID.source}`);
    if (keys.has(id)) throw new RelaykitError('CONFIG', `duplicate encryption key id ${JSON.stringify(id)}`);
    keys.set(id, toKeyBytes(key, id));
  }
  const primaryKeyId = options.primary ?? options.keys.at(-1)!.id;
  const primaryKey = keys.get(primaryKeyId);
  if (!primaryKey)
    throw new RelaykitError('CONFIG', `primary encryption key ${JSON.stringify(primaryKeyId)} is not among the keys`);

  const encrypt = (plaintext: string | Uint8Array, opts: EnvelopeOptions = {}): string => {
    try {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', primaryKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aadFor(primaryKeyId, opts.aad));
      const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
      const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
      return [ENVELOPE_VERSION, primaryKeyId, b64u(iv), b64u(ciphertext), b64u(cipher.getAuthTag())].join('.');
    } catch (cause) {
      throw new EncryptionError('encryption failed', { cause });
    }
  };

  const decrypt = (envelope: string, opts: EnvelopeOptions = {}): Buffer => {
    const parts = parseEnvelope(envelope);
    const key = keys.get(parts.keyId);
    if (!key) throw new EncryptionKeyMissingError(parts.keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadFor(parts.keyId, opts.aad));
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
    } catch (cause) {
      throw new EncryptionError(
        `cannot open envelope sealed with key ${JSON.stringify(parts.keyId)}: tampered, wrong key or wrong AAD`,
        { cause, details: { keyId: parts.keyId } },
      );
    }
  };

  return {
    primaryKeyId,
    encrypt,
    decrypt,
    decryptString: (envelope, opts) => decrypt(envelope, opts).toString('utf8'),
    encryptJson: (value, opts) => {
      const json = JSON.stringify(value);
      if (json === undefined) throw new EncryptionError('value is not JSON-serialisable');
      return encrypt(json, opts);
    },
    decryptJson: <T>(envelope: string, opts?: EnvelopeOptions): T => {
      const text = decrypt(envelope, opts).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new EncryptionError('envelope does not hold JSON', { cause });
      }
    },
    needsReencrypt: (envelope) => parseEnvelope(envelope).keyId !== primaryKeyId,
    reencrypt: (envelope, opts) => encrypt(decrypt(envelope, opts), opts),
  };
}
