import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { toRedisError } from './client.js';

/**
 * A Lua script run with EVALSHA (one round trip once the server has it cached), falling back to
 * EVAL when the server answers NOSCRIPT (first use, after a restart or `SCRIPT FLUSH`). Works on
 * any ioredis client without mutating it (unlike `defineCommand`), so shared clients stay clean.
 */
export class RedisScript {
  /** SHA-1 of the script body, as EVALSHA wants it. */
  readonly sha: string;
  constructor(
    readonly lua: string,
    readonly numberOfKeys: number,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** Runs the script on `client` with `keys` (exactly `numberOfKeys` of them) and `args`. */
  async run<T = unknown>(client: Redis, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>): Promise<T> {
    if (keys.length !== this.numberOfKeys)
      throw new TypeError(`script expects ${this.numberOfKeys} keys, got ${keys.length}`);
    try {
      try {
        return (await client.evalsha(this.sha, keys.length, ...keys, ...args)) as T;
      } catch (error) {
        if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
        return (await client.eval(this.lua, keys.length, ...keys, ...args)) as T;
      }
    } catch (error) {
      throw toRedisError(client, error);
    }
  }
}
