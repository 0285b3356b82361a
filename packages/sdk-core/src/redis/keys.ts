/**
 * Escapes one user-supplied key part so that joining parts with `:` can never be ambiguous
 * (scope `a:b` + key `c` must not collide with scope `a` + key `b:c`).
 */
export function escapeKeyPart(part: string): string {
  return part.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Builds a namespaced Redis key: `prefix` is used as given (it is the caller's namespace, colons
 * allowed), every following part is escaped with {@link escapeKeyPart}.
 *
 * @example
 * ```ts
 * redisKey('relaykit:rl:sf', 'org:42') // 'relaykit:rl:sf:org%3A42'
 * ```
 */
export function redisKey(prefix: string, ...parts: string[]): string {
  const tail = parts.map(escapeKeyPart).join(':');
  if (!prefix) return tail;
  return tail ? `${prefix}:${tail}` : prefix;
}

/** A random prefix for tests and benches sharing one Redis (`<base>:<random>`). */
export function randomKeyPrefix(base = 'relaykit:test'): string {
  return `${base}:${Math.random().toString(36).slice(2, 10)}`;
}
