export {
  createEnvelopeCipher,
  generateKey,
  parseEnvelope,
  ENVELOPE_VERSION,
  type EnvelopeCipher,
  type EnvelopeCipherOptions,
  type EnvelopeKey,
  type EnvelopeOptions,
  type EnvelopeParts,
} from './envelope.js';
export {
  EncryptionError,
  EncryptionKeyMissingError,
  isEncryptionError,
  isEncryptionKeyMissingError,
} from './errors.js';
