import { RedisScript, redisKey, resolveRedis, type RedisConnectionOptions } from '@relaykit/sdk-core';
import type { StatusTracker, TrackedStatus } from './tracker.js';

// KEYS[1] = hash of the message; ARGV = status, timestamp, error codes (comma list), ttl ms.
const APPLY = new RedisScript(
  `
local rank = { sent = 1, delivered = 2, read = 3 }
local cur = redis.call('HMGET', KEYS[1], 'status', 'ts')
local status, ts = ARGV[1], tonumber(ARGV[2])
local take = false
local r = rank[status]
if r == nil and status ~= 'failed' then take = false
elseif not cur[1] then take = true
elseif cur[1] == 'failed' then take = (r ~= nil and r >= 2 and ts >= tonumber(cur[2]))
elseif status == 'failed' then take = (cur[1] == 'sent')
else take = r > rank[cur[1]] end
if take then
  redis.call('HSET', KEYS[1], 'status', status, 'ts', ARGV[2], 'errors', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {1, status, ARGV[2], ARGV[3]}
end
if not cur[1] then return {0, 'sent', '0', ''} end
local errs = redis.call('HGET', KEYS[1], 'errors') or ''
return {0, cur[1], cur[2], errs}
`,
  1,
);

/** A Redis {@link StatusTracker}: one atomic script per update, shared by every receiver. */
export function createRedisStatusTracker(
  options: RedisConnectionOptions & { prefix?: string; ttlMs?: number },
): StatusTracker {
  const handle = resolveRedis(options);
  const prefix = options.prefix ?? 'relaykit:whatsapp:status';
  const ttl = options.ttlMs ?? 30 * 24 * 3600_000;
  const toTracked = (messageId: string, status: string, ts: string, errors: string): TrackedStatus => ({
    messageId,
    status: status as TrackedStatus['status'],
    timestamp: Number(ts),
    ...(status === 'failed' ? { errorCodes: errors ? errors.split(',').map(Number) : [] } : {}),
  });
  return {
    async apply(update) {
      const errors = (update.errors ?? []).map((e) => e.code).join(',');
      const [changed, status, ts, errs] = await APPLY.run<[number, string, string, string]>(
        handle.client,
        [redisKey(prefix, update.messageId)],
        [update.status, update.timestamp, errors, ttl],
      );
      return { changed: changed === 1, current: toTracked(update.messageId, status, ts, errs) };
    },
    async get(messageId) {
      const h = await handle.client.hgetall(redisKey(prefix, messageId));
      return h.status ? toTracked(messageId, h.status, h.ts ?? '0', h.errors ?? '') : undefined;
    },
    close: () => handle.close(),
  };
}
