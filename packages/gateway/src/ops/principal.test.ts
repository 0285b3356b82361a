import { describe, expect, it } from 'vitest';
import { adminPermissionsOf, invalidScopes, scopeAllows } from '../keys/keys.js';
import { principalOfKey } from './principal.js';

describe('operator permissions in the scope grammar', () => {
  it('accepts the admin:* permissions and refuses unknown ones', () => {
    expect(
      invalidScopes([
        'admin:read',
        'admin:operate',
        'admin:reveal',
        'admin:keys',
        'admin:users',
        'admin:privacy',
        'admin:*',
        'admin',
      ]),
    ).toEqual([]);
    expect(invalidScopes(['admin:root', 'admin:read:x', 'admin:'])).toEqual(['admin:root', 'admin:read:x', 'admin:']);
  });

  it('never implies an admin permission from "*", and grants all of them for admin:*', () => {
    expect(adminPermissionsOf(['*'])).toEqual([]);
    expect(adminPermissionsOf(['admin:read', 'echo:*'])).toEqual(['admin:read']);
    expect(adminPermissionsOf(['admin:*'])).toHaveLength(6);
    // and an admin permission names no instance
    expect(scopeAllows(['admin:read'], 'admin', 'read')).toBe(false);
  });

  it('maps a key to a principal of its environment', () => {
    expect(
      principalOfKey({ id: 'k1', name: 'ops', environment: 'production', scopes: ['admin:read', 'admin:operate'] }),
    ).toEqual({
      kind: 'key',
      id: 'k1',
      name: 'ops',
      environment: 'production',
      permissions: ['admin:read', 'admin:operate'],
    });
  });
});
