import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasErrorCode, isRelaykitError } from '../errors/index.js';
import { createEnvelopeCipher, generateKey, parseEnvelope } from './envelope.js';
import { isEncryptionError, isEncryptionKeyMissingError } from './errors.js';

const k1 = generateKey();
const k2 = randomBytes(32);

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createEnvelopeCipher', () => {
  it('round-trips strings, bytes and JSON with a fresh IV each time', () => {
    const cipher = createEnvelopeCipher({ keys: [{ id: 'k1', key: k1 }] });
    const a = cipher.encrypt('héllo wörld');
    const b = cipher.encrypt('héllo wörld');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^rk1\.k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('hello');
    expect(cipher.decryptString(a)).toBe('héllo wörld');
    const bytes = randomBytes(1000);
    expect(cipher.decrypt(cipher.encrypt(bytes)).equals(bytes)).toBe(true);
    expect(cipher.decryptString(cipher.encrypt(''))).toBe('');
    const value = { token: 'secret', nested: [1, 'two', null], big: '18446744073709551615' };
    expect(cipher.decryptJson(cipher.encryptJson(value))).toEqual(value);
    const parts = parseEnvelope(a);
    expect(parts).toMatchObject({ version: 'rk1', keyId: 'k1' });
    expect(parts.iv.length).toBe(12);
    expect(parts.tag.length).toBe(16);
  });

  it('rotates: seals with the newest (or the named primary) key and opens with any', () => {
    const old = createEnvelopeCipher({ keys: [{ id: 'k1', key: k1 }] });
    const sealedOld = old.encrypt('credential');
    const rotated = createEnvelopeCipher({
      keys: [
        { id: 'k1', key: k1 },
        { id: 'k2', key: k2 },
      ],
    });
    expect(rotated.primaryKeyId).toBe('k2');
    expect(rotated.decryptString(sealedOld)).toBe('credential');
    expect(rotated.needsReencrypt(sealedOld)).toBe(true);
    const fresh = rotated.reencrypt(sealedOld);
    expect(parseEnvelope(fresh).keyId).toBe('k2');
    expect(rotated.needsReencrypt(fresh)).toBe(false);
    expect(rotated.decryptString(fresh)).toBe('credential');
    const pinned = createEnvelopeCipher({
      keys: [
        { id: 'k1', key: k1 },
        { id: 'k2', key: k2 },
      ],
      primary: 'k1',
    });
    expect(parseEnvelope(pinned.encrypt('x')).keyId).toBe('k1');
    // Base64url keys are accepted too.
    const url = createEnvelopeCipher({ keys: [{ id: 'k2', key: k2.toString('base64url') }] });
    expect(url.decryptString(fresh)).toBe('credential');
  });

  it('fails with ENCRYPTION_KEY_MISSING for an unknown key id', () => {
    const sealed = createEnvelopeCipher({ keys: [{ id: 'gone', key: k1 }] }).encrypt('x');
    const error = catchError(() => createEnvelopeCipher({ keys: [{ id: 'k2', key: k2 }] }).decrypt(sealed));
    expect(isEncryptionKeyMissingError(error)).toBe(true);
    expect(hasErrorCode(error, 'ENCRYPTION_KEY_MISSING')).toBe(true);
    expect((error as { keyId: string }).keyId).toBe('gone');
  });

  it('detects tampering, truncation, a wrong key under the same id, and swapped headers', () => {
    const cipher = createEnvelopeCipher({
      keys: [
        { id: 'k1', key: k1 },
        { id: 'k2', key: k2 },
      ],
    });
    const sealed = cipher.encrypt('amount=100');
    const [v, id, iv, ct, tag] = sealed.split('.') as [string, string, string, string, string];
    const flip = (s: string) => {
      const b = Buffer.from(s, 'base64url');
      b[0]! ^= 1;
      return b.toString('base64url');
    };
    const forged = [
      [v, id, iv, flip(ct), tag].join('.'),
      [v, id, flip(iv), ct, tag].join('.'),
      [v, id, iv, ct, flip(tag)].join('.'),
      [v, 'k1', iv, ct, tag].join('.'), // sealed with k2, relabelled k1
      [v, id, iv, ct.slice(0, -2), tag].join('.'),
    ];
    for (const envelope of forged) {
      const error = catchError(() => cipher.decrypt(envelope));
      expect(isEncryptionError(error)).toBe(true);
      expect(hasErrorCode(error, 'ENCRYPTION_FAILED')).toBe(true);
      expect(String((error as Error).message)).not.toContain('amount');
    }
    const wrongKey = createEnvelopeCipher({ keys: [{ id: 'k2', key: generateKey() }] });
    expect(isEncryptionError(catchError(() => wrongKey.decrypt(sealed)))).toBe(true);
    for (const junk of ['', 'rk1.k1', 'rk2.k1.a.b.c', 'rk1.k1.AAAA.AAAA.AAAA', 'not an envelope']) {
      expect(isEncryptionError(catchError(() => cipher.decrypt(junk)))).toBe(true);
    }
  });

  it('binds an envelope to its AAD', () => {
    const cipher = createEnvelopeCipher({ keys: [{ id: 'k1', key: k1 }] });
    const sealed = cipher.encryptJson({ token: 't' }, { aad: 'job:1' });
    expect(cipher.decryptJson(sealed, { aad: 'job:1' })).toEqual({ token: 't' });
    expect(isEncryptionError(catchError(() => cipher.decryptJson(sealed, { aad: 'job:2' })))).toBe(true);
    expect(isEncryptionError(catchError(() => cipher.decryptJson(sealed)))).toBe(true);
    const plain = cipher.encrypt('x');
    expect(isEncryptionError(catchError(() => cipher.decrypt(plain, { aad: 'job:1' })))).toBe(true);
    expect(
      cipher.decryptString(cipher.encrypt('x', { aad: Buffer.from([1, 2]) }), { aad: new Uint8Array([1, 2]) }),
    ).toBe('x');
  });

  it('rejects bad configuration with CONFIG errors', () => {
    for (const options of [
      { keys: [] },
      { keys: [{ id: 'k1', key: randomBytes(16) }] },
      { keys: [{ id: 'bad id', key: k1 }] },
      {
        keys: [
          { id: 'k1', key: k1 },
          { id: 'k1', key: k2 },
        ],
      },
      { keys: [{ id: 'k1', key: k1 }], primary: 'k9' },
    ]) {
      const error = catchError(() => createEnvelopeCipher(options));
      expect(isRelaykitError(error) && error.code).toBe('CONFIG');
    }
  });

  it('generateKey returns 32 random bytes in base64', () => {
    const a = generateKey();
    expect(Buffer.from(a, 'base64').length).toBe(32);
    expect(a).not.toBe(generateKey());
  });
});
