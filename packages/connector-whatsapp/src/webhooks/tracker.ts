import { RedisScript, redisKey, resolveRedis, type RedisConnectionOptions } from '@relaykit/sdk-core';
import type { StatusUpdate } from './events.js';

/** A message's delivery state as the tracker knows it. */
export interface TrackedStatus {
  /** The id (`wamid...`) of the message we sent. */
  messageId: string;
  /** Furthest status reached (`failed` only while no later success arrived). */
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** Unix seconds of the update that set `status`. */
  timestamp: number;
  /** Error codes of the latest `failed` update, if any. */
  errorCodes?: number[];
}

/** Result of {@link StatusTracker.apply}. */
export interface TrackResult {
  /** True when the update moved the message forward. */
  changed: boolean;
  /** The message's status after the update (unchanged when `changed` is false). */
  current: TrackedStatus;
}

/**
 * Keeps each message's delivery status, never moving it backwards: sent < delivered < read, and
 * `failed` is terminal unless a success (`delivered`/`read`) stamped no earlier than the failure
 * arrives. Accepts updates in any order (a `read` without `delivered`, `sent` after `read`, ...).
 */
export interface StatusTracker {
  /** Applies one status update (any order, duplicates welcome); moves the message forward only. */
  apply(
    update: Pick<StatusUpdate, 'messageId' | 'status' | 'timestamp'> & { errors?: ReadonlyArray<{ code: number }> },
  ): Promise<TrackResult>;
  /** The message's current status, or undefined when no update arrived (or it was forgotten). */
  get(messageId: string): Promise<TrackedStatus | undefined>;
  /** Releases the store's connection. */
  close(): Promise<void>;
}

const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3 };

/**
 * The transition rule shared by both implementations (the Lua script mirrors it): returns the
 * status that should win, given the current one and an update.
 */
export function nextStatus(
  current: TrackedStatus | undefined,
  update: { status: string; timestamp: number },
): 'keep' | 'take' {
  const rank = RANK[update.status];
  if (rank === undefined && update.status !== 'failed') return 'keep';
  if (!current) return 'take';
  if (current.status === 'failed')
    return rank !== undefined && rank >= 2 && update.timestamp >= current.timestamp ? 'take' : 'keep';
  if (update.status === 'failed') return current.status === 'sent' ? 'take' : 'keep';
  return rank! > RANK[current.status]! ? 'take' : 'keep';
}

/** An in-process {@link StatusTracker} (bounded by `maxEntries`, oldest forgotten first). */
export function createMemoryStatusTracker(options: { maxEntries?: number } = {}): StatusTracker {
  const max = options.maxEntries ?? 1_000_000;
  const map = new Map<string, TrackedStatus>();
  return {
    async apply(update) {
      const current = map.get(update.messageId);
      if (nextStatus(current, update) === 'keep')
        return { changed: false, current: current ?? { messageId: update.messageId, status: 'sent', timestamp: 0 } };
      const next: TrackedStatus = {
        messageId: update.messageId,
        status: update.status as TrackedStatus['status'],
        timestamp: update.timestamp,
        ...(update.status === 'failed' ? { errorCodes: (update.errors ?? []).map((e) => e.code) } : {}),
      };
      map.delete(update.messageId);
      map.set(update.messageId, next);
      if (map.size > max) map.delete(map.keys().next().value!);
      return { changed: true, current: next };
    },
    async get(messageId) {
      return map.get(messageId);
    },
    async close() {
      map.clear();
    },
  };
}

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

/** Memory when no Redis is given, Redis otherwise. */
export function createStatusTracker(
  options: RedisConnectionOptions & { prefix?: string; ttlMs?: number } = {},
): StatusTracker {
  return options.redis || options.redisUrl ? createRedisStatusTracker(options) : createMemoryStatusTracker();
}
