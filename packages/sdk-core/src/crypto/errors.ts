import { RelaykitError, isRelaykitError, type RelaykitErrorOptions } from '../errors/index.js';

/** An envelope names a key id this cipher does not hold (code `ENCRYPTION_KEY_MISSING`): load the old key to read it. */
export class EncryptionKeyMissingError extends RelaykitError {
  /** Brand checked by {@link isEncryptionKeyMissingError}. */
  public readonly isEncryptionKeyMissingError = true;
  /** The key id the envelope asked for. */
  public readonly keyId: string;
  constructor(keyId: string, options: RelaykitErrorOptions = {}) {
    super('ENCRYPTION_KEY_MISSING', `No encryption key with id ${JSON.stringify(keyId)} is configured`, {
      ...options,
      details: { keyId, ...options.details },
    });
    this.name = 'EncryptionKeyMissingError';
    this.keyId = keyId;
  }
}

/** True for an {@link EncryptionKeyMissingError} from any package copy. */
export function isEncryptionKeyMissingError(error: unknown): error is EncryptionKeyMissingError {
  return (
    isRelaykitError(error) && (error as { isEncryptionKeyMissingError?: unknown }).isEncryptionKeyMissingError === true
  );
}

/**
 * Encryption or decryption failed (code `ENCRYPTION_FAILED`): a tampered or truncated envelope, a wrong key under a
 * known id, a wrong AAD, or a malformed envelope. The message never contains key material or plaintext.
 */
export class EncryptionError extends RelaykitError {
  /** Brand checked by {@link isEncryptionError}. */
  public readonly isEncryptionError = true;
  constructor(message: string, options: RelaykitErrorOptions = {}) {
    super('ENCRYPTION_FAILED', message, options);
    this.name = 'EncryptionError';
  }
}

/** True for an {@link EncryptionError} from any package copy. */
export function isEncryptionError(error: unknown): error is EncryptionError {
  return isRelaykitError(error) && (error as { isEncryptionError?: unknown }).isEncryptionError === true;
}
