import type { EnvelopeCipher } from '@relaykit/sdk-core';

/**
 * How job payloads and results are stored: plain JSON, or sealed with sdk-core's AES-256-GCM
 * envelope cipher so the database never holds them in clear. `context` (the job id) is bound to
 * each envelope as additional authenticated data: a sealed payload pasted into another row does not open.
 */
export interface PayloadCodec {
  readonly encrypted: boolean;
  encode(value: unknown, context: string): Promise<string>;
  decode(text: string, context: string): Promise<unknown>;
}

/** JSON that also carries what connectors' parsed values hold: bigints as decimal strings. */
export const toJson = (value: unknown) =>
  JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

const PREFIX = 'enc:';

/** Stores payloads as JSON text. */
export const plainCodec: PayloadCodec = {
  encrypted: false,
  encode: async (value) => toJson(value),
  decode: async (text) => {
    if (text.startsWith(PREFIX)) throw new TypeError('this payload is encrypted: configure encryption.key to read it');
    return JSON.parse(text) as unknown;
  },
};

/** Seals payloads with `cipher`; rows written before encryption was turned on still read. */
export function encryptingCodec(cipher: Pick<EnvelopeCipher, 'encrypt' | 'decryptString'>): PayloadCodec {
  return {
    encrypted: true,
    encode: async (value, context) => `${PREFIX}${cipher.encrypt(toJson(value), { aad: context })}`,
    decode: async (text, context) =>
      JSON.parse(
        text.startsWith(PREFIX) ? cipher.decryptString(text.slice(PREFIX.length), { aad: context }) : text,
      ) as unknown,
  };
}
