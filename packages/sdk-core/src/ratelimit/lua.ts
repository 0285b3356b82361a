import { RedisScript } from '../redis/script.js';

// Both scripts read the clock with TIME so every worker is judged on the Redis server's clock.
// Scripts calling TIME before a write need effects replication: the default since Redis 5, and
// switched on explicitly for older servers. Numbers travel as strings because Redis truncates Lua
// numbers in replies to integers, and state is stored with %.17g so no precision is lost.
const CLOCK = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

/**
 * GCRA over several windows, all or nothing — the same arithmetic as `gcraDecide` in gcra.ts.
 * KEYS[1]: the key's state hash (field `p` = penalty end, one field per window = its TAT, ms).
 * ARGV[1]: cost; then per window: field, emission interval (ms), tolerance (ms), limit.
 * Returns { allowed (0/1), retryAfterMs, remaining, limit, resetMs, now, nextInMs } as strings.
 */
export const TAKE = new RedisScript(
  `${CLOCK}
local cost = tonumber(ARGV[1])
local n = (#ARGV - 1) / 4
local fields = { 'p' }
for i = 1, n do fields[i + 1] = ARGV[2 + (i - 1) * 4] end
local vals = redis.call('HMGET', KEYS[1], unpack(fields))
local eps = 1e-6
local allowed = true
local retry = 0
local penalty = tonumber(vals[1]) or 0
if penalty > now then
  allowed = false
  retry = penalty - now
end
local tats = {}
local news = {}
for i = 1, n do
  local b = 2 + (i - 1) * 4
  local tat = tonumber(vals[i + 1]) or now
  if tat < now then tat = now end
  tats[i] = tat
  news[i] = tat + cost * tonumber(ARGV[b + 1])
  local over = news[i] - now - tonumber(ARGV[b + 2])
  if over > eps then
    allowed = false
    if over > retry then retry = over end
  end
end
if allowed and n > 0 then
  local args = {}
  local ttl = 0
  for i = 1, n do
    tats[i] = news[i]
    args[#args + 1] = ARGV[2 + (i - 1) * 4]
    args[#args + 1] = string.format('%.17g', news[i])
    if news[i] - now > ttl then ttl = news[i] - now end
  end
  redis.call('HSET', KEYS[1], unpack(args))
  -- Once every window has refilled the state equals no state, so the key may expire then.
  redis.call('PEXPIRE', KEYS[1], math.ceil(ttl) + 1)
end
local remaining = -1
local limit = 0
local reset = 0
for i = 1, n do
  local b = 2 + (i - 1) * 4
  local interval = tonumber(ARGV[b + 1])
  local left = math.floor((tonumber(ARGV[b + 2]) - (tats[i] - now)) / interval + eps)
  if left < 0 then left = 0 end
  local r = tats[i] - now
  if remaining < 0 or left < remaining or (left == remaining and r > reset) then
    remaining = left
    limit = ARGV[b + 3]
    reset = r
  end
end
if remaining < 0 then remaining = 0 end
local nextIn = 0
if allowed then
  for i = 1, n do
    local b = 2 + (i - 1) * 4
    local wait = tats[i] + tonumber(ARGV[b + 1]) - tonumber(ARGV[b + 2]) - now
    if wait > eps and wait > nextIn then nextIn = wait end
  end
end
return { allowed and 1 or 0, string.format('%.6f', retry), tostring(remaining), tostring(limit), string.format('%.6f', reset), string.format('%.6f', now), string.format('%.6f', nextIn) }
`,
  1,
);

/**
 * Sets the key's penalty end to max(current, now + ARGV[1] ms) and keeps the key alive at least
 * that long. Returns the penalty end (ms, server clock) as a string.
 */
export const PENALIZE = new RedisScript(
  `${CLOCK}
local untl = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('HGET', KEYS[1], 'p')) or 0
if cur > untl then untl = cur end
redis.call('HSET', KEYS[1], 'p', string.format('%.17g', untl))
local need = math.ceil(untl - now) + 1
if redis.call('PTTL', KEYS[1]) < need then redis.call('PEXPIRE', KEYS[1], need) end
return string.format('%.6f', untl)
`,
  1,
);
