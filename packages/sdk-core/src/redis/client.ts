import type { Redis, RedisOptions } from 'ioredis';
import { loadPeer } from '../peer/index.js';
import { RedisConnectionError } from './errors.js';

/** Options of {@link createRedisClient}: any ioredis option, with relaykit's defaults. */
export type RedisClientOptions = RedisOptions;

/** What an adapter needs to reach Redis: a URL (the adapter owns the connection) or a client you own. */
export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://`; the adapter opens and closes its own client. */
  redisUrl?: string;
  /** An existing ioredis client; the adapter uses it and never closes it. Wins over `redisUrl`. */
  redis?: Redis;
}

/** Hides the password (and user name) of a Redis URL, for errors and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username && u.username !== 'default') u.username = '***';
    return u.toString();
  } catch {
    return '<invalid redis url>';
  }
}

/**
 * Opens an ioredis 5 client with defaults suited to a library: it connects lazily (on the first
 * command, so constructing an adapter never throws or hangs), queues commands while (re)connecting,
 * and fails a command after `maxRetriesPerRequest` reconnect attempts instead of hanging forever.
 * Connection errors are recorded rather than printed as "Unhandled error event"; adapters turn a
 * failing command into a {@link RedisConnectionError} with the URL redacted.
 *
 * Defaults: `lazyConnect: true`, `enableOfflineQueue: true`, `maxRetriesPerRequest: 3`,
 * `connectTimeout: 5000`, reconnect back-off 50 ms × attempt up to 2 s.
 *
 * @example
 * ```ts
 * const redis = createRedisClient(process.env.REDIS_URL!, { connectionName: 'billing-worker' });
 * const limiter = createRateLimiter({ redis, rules: [{ limit: 80, windowMs: 1000 }] });
 * ```
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  if (!/^rediss?:\/\//.test(url)) {
    throw new RedisConnectionError(`Invalid Redis URL ${redactRedisUrl(url)}: expected redis:// or rediss://`);
  }
  const { Redis: RedisClient } = loadPeer<typeof import('ioredis')>('ioredis', 'A Redis adapter');
  const client = new RedisClient(url, {
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 3,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 50, 2000),
    ...options,
  });
  // Without a listener ioredis prints every reconnect failure; commands still reject, and
  // the last error is kept for the message of a later RedisConnectionError.
  client.on('error', (error: Error) => {
    lastErrors.set(client, error);
  });
  urls.set(client, url);
  return client;
}

const lastErrors = new WeakMap<Redis, Error>();
const urls = new WeakMap<Redis, string>();

/**
 * Opens a client and waits until it is connected, failing fast with a {@link RedisConnectionError}
 * (password redacted) when the server cannot be reached — for start-up health checks.
 */
export async function connectRedis(url: string, options: RedisClientOptions = {}): Promise<Redis> {
  // connect() rejects on the first failed attempt; the client keeps its normal reconnect policy
  // for the rest of its life once connected.
  const client = createRedisClient(url, options);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    throw toRedisError(client, error);
  }
}

/**
 * Wraps a failed command's error: connection-level failures (refused, reset, timeout, gave up
 * retrying, closed) become a {@link RedisConnectionError} naming the redacted server; any other
 * error (a script error, a wrong type) is returned unchanged.
 */
export function toRedisError(client: Redis, error: unknown): unknown {
  const e = error as { name?: string; code?: string; message?: string } | undefined;
  const connectionLevel =
    e?.name === 'MaxRetriesPerRequestError' ||
    (typeof e?.code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|EPIPE)$/.test(e.code)) ||
    /Connection is closed|Stream isn't writeable|connect ETIMEDOUT/.test(e?.message ?? '');
  if (!connectionLevel) return error;
  const url = urls.get(client) ?? `redis://${client.options.host ?? 'localhost'}:${client.options.port ?? 6379}`;
  const last = lastErrors.get(client);
  const why =
    last && last !== error
      ? `${e?.message ?? 'failed'} (last connection error: ${last.message})`
      : (e?.message ?? 'failed');
  return new RedisConnectionError(`Redis at ${redactRedisUrl(url)} is unavailable: ${why}`, { cause: error });
}

/** A client plus whether the adapter owns it (and so must close it). */
export interface RedisHandle {
  readonly client: Redis;
  /** Closes the client only when it was opened from a URL. */
  close(): Promise<void>;
}

/**
 * Resolves {@link RedisConnectionOptions} for an adapter: uses `redis` as is (never closed here),
 * or opens a client from `redisUrl` that {@link RedisHandle.close} quits.
 */
export function resolveRedis(options: RedisConnectionOptions, clientOptions: RedisClientOptions = {}): RedisHandle {
  if (options.redis) {
    const client = options.redis;
    return { client, close: async () => undefined };
  }
  if (!options.redisUrl) throw new RedisConnectionError('Neither redis nor redisUrl was given');
  const client = createRedisClient(options.redisUrl, clientOptions);
  let closed = false;
  return {
    client,
    async close() {
      if (closed) return;
      closed = true;
      if (client.status === 'wait' || client.status === 'end') {
        client.disconnect();
        return;
      }
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
