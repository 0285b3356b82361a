import { RedisScript, redisKey, resolveRedis, type RedisConnectionOptions } from '@relaykit/sdk-core';
import { recipientDigits, type StatusTracker, type TrackedStatus } from './tracker.js';

// KEYS[1] = hash of the message, KEYS[2] = set of the recipient's messages (unused without a recipient);
// ARGV = status, timestamp, error codes (comma list), ttl ms, recipient digits ('' when unknown), now ms, message id.
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
  redis.call('HSET', KEYS[1], 'status', status, 'ts', ARGV[2], 'errors', ARGV[3], 'updated', ARGV[6])
  if ARGV[5] ~= '' then
    redis.call('HSET', KEYS[1], 'recipient', ARGV[5])
    redis.call('SADD', KEYS[2], ARGV[7])
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {1, status, ARGV[2], ARGV[3]}
end
if not cur[1] then return {0, 'sent', '0', ''} end
local errs = redis.call('HGET', KEYS[1], 'errors') or ''
return {0, cur[1], cur[2], errs}
`,
  2,
);

/**
 * A Redis {@link StatusTracker}: one atomic script per update, shared by every receiver. Each message is a hash
 * (`<prefix>:<message id>`: status, timestamp, error codes, recipient, last update) expiring `ttlMs` after its last
 * update; a set per recipient (`<prefix>-by-recipient:<digits>`) lists their messages, for subject access and erasure.
 */
export function createRedisStatusTracker(
  options: RedisConnectionOptions & { prefix?: string; ttlMs?: number },
): StatusTracker {
  const handle = resolveRedis(options);
  const prefix = options.prefix ?? 'relaykit:whatsapp:status';
  const ttl = options.ttlMs ?? 30 * 24 * 3600_000;
  const recipientKey = (digits: string) => redisKey(`${prefix}-by-recipient`, digits);
  const toTracked = (
    messageId: string,
    status: string,
    ts: string,
    errors: string,
    recipient?: string,
  ): TrackedStatus => ({
    messageId,
    status: status as TrackedStatus['status'],
    timestamp: Number(ts),
    ...(status === 'failed' ? { errorCodes: errors ? errors.split(',').map(Number) : [] } : {}),
    ...(recipient ? { recipientId: recipient } : {}),
  });
  const read = async (messageId: string) => {
    const h = await handle.client.hgetall(redisKey(prefix, messageId));
    return h.status ? toTracked(messageId, h.status, h.ts ?? '0', h.errors ?? '', h.recipient) : undefined;
  };
  return {
    location: { store: 'redis', name: `${prefix}:<message id>` },
    async apply(update) {
      const errors = (update.errors ?? []).map((e) => e.code).join(',');
      const recipient = update.recipientId ? recipientDigits(update.recipientId) : '';
      const [changed, status, ts, errs] = await APPLY.run<[number, string, string, string]>(
        handle.client,
        [redisKey(prefix, update.messageId), recipientKey(recipient || '-')],
        [update.status, update.timestamp, errors, ttl, recipient, Date.now(), update.messageId],
      );
      return { changed: changed === 1, current: toTracked(update.messageId, status, ts, errs, recipient) };
    },
    get: read,
    async byRecipient(recipientId) {
      const digits = recipientDigits(recipientId);
      if (!digits) return [];
      const ids = (await handle.client.smembers(recipientKey(digits))).sort();
      const found = await Promise.all(ids.map(read));
      return found.filter((s): s is TrackedStatus => s?.recipientId === digits);
    },
    async forgetRecipient(recipientId) {
      const digits = recipientDigits(recipientId);
      if (!digits) return 0;
      const ids = await handle.client.smembers(recipientKey(digits));
      const removed = ids.length ? await handle.client.del(...ids.map((id) => redisKey(prefix, id))) : 0;
      await handle.client.del(recipientKey(digits));
      return removed;
    },
    async purge(before) {
      // Hashes expire on their own `ttlMs` after their last update; this removes them earlier when retention is
      // shorter. SCAN walks the keyspace in small steps (no long blocking command).
      let removed = 0;
      let cursor = '0';
      do {
        const [next, keys] = await handle.client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          const [updated, recipient] = await handle.client.hmget(key, 'updated', 'recipient');
          if (!updated || Number(updated) >= before.getTime()) continue;
          removed += await handle.client.del(key);
          if (recipient)
            await handle.client.srem(recipientKey(recipient), unescapeKeyPart(key.slice(prefix.length + 1)));
        }
      } while (cursor !== '0');
      return removed;
    },
    close: () => handle.close(),
  };
}

const unescapeKeyPart = (part: string) =>
  part.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
