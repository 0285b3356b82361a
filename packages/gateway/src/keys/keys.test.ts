import { describe, expect, it } from 'vitest';
import { isInvalidScopeError } from '../errors/index.js';
import { assertValidScopes, invalidScopes, scopeAllows } from './keys.js';

describe('API key scopes', () => {
  it('accepts the grammar: *, <instance>, <instance>:*, <instance>:<operation>', () => {
    expect(
      invalidScopes(['*', 'sf-prod', 'sf-prod:*', 'sf-prod:upsert', 'wa_1:sendText', 'mahak-demo:syncEntity']),
    ).toEqual([]);
    expect(() => assertValidScopes(['sf-prod:upsert'])).not.toThrow();
  });

  it('refuses every malformed scope, listing all of them', () => {
    const bad = ['a:b:c', '*:upsert', 'sf-*', 'SF-Prod', '', 'sf:', ':upsert', 'sf prod', 'sf:up sert'];
    expect(invalidScopes(['sf-prod', ...bad])).toEqual(bad);
    let error: unknown;
    try {
      assertValidScopes(['ok', 'a:b:c', '*:upsert']);
    } catch (e) {
      error = e;
    }
    expect(isInvalidScopeError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_SCOPE', scopes: ['a:b:c', '*:upsert'] });
    expect((error as Error).message).toMatch(/"a:b:c", "\*:upsert"/);
    expect(() => assertValidScopes([])).toThrow(/at least one scope/);
  });

  it('a malformed scope stored before validation grants nothing (fails closed)', () => {
    expect(scopeAllows(['a:b:c'], 'a', 'b')).toBe(false);
    expect(scopeAllows(['a:b:c'], 'a')).toBe(false);
    expect(scopeAllows(['a'], 'a', 'b')).toBe(true);
    expect(scopeAllows(['a:*'], 'a', 'b')).toBe(true);
    expect(scopeAllows(['a:b'], 'a', 'b')).toBe(true);
    expect(scopeAllows(['a:b'], 'a', 'c')).toBe(false);
    expect(scopeAllows(['a:b'], 'a')).toBe(true);
    expect(scopeAllows(['*'], 'x', 'y')).toBe(true);
    expect(scopeAllows(['ab'], 'a', 'b')).toBe(false);
  });
});
