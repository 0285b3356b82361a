import { describe, expect, it } from 'vitest';
import { hashPassword, SCRYPT_PARAMS, verifyPassword } from './password.js';
import { LoginThrottle } from './throttle.js';

describe('console passwords', () => {
  it('hashes with scrypt and the documented parameters, salted, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(new RegExp(`^scrypt\\$${SCRYPT_PARAMS.N}\\$8\\$1\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('refuses a stored hash that asks for an absurd cost or another scheme', async () => {
    const [, , , , salt, key] = (await hashPassword('pw')).split('$');
    expect(await verifyPassword('pw', `scrypt$${2 ** 30}$8$1$${salt}$${key}`)).toBe(false);
    expect(await verifyPassword('pw', `bcrypt$x`)).toBe(false);
  });
});

describe('LoginThrottle', () => {
  it('refuses an address after maxFailures within the window, until the oldest leaves it', () => {
    let now = 0;
    const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 1000, now: () => now });
    for (const at of [0, 100, 200]) {
      expect(throttle.retryAfterMs('a')).toBe(0);
      now = at;
      throttle.fail('a');
    }
    expect(throttle.retryAfterMs('a')).toBe(800);
    expect(throttle.retryAfterMs('b')).toBe(0);
    now = 1001;
    expect(throttle.retryAfterMs('a')).toBe(0);
  });
});
