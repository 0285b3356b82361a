import { RedisScript } from '../redis/script.js';

// Both scripts read the clock with TIME so every worker is judged on the Redis server's clock.
// Scripts calling TIME before a write need effects replication: the default since Redis 5, and
// switched on explicitly for older servers. Numbers travel as strings because Redis truncates Lua
// numbers in replies to integers, and state is stored with %.17g so no precision is lost.
// `nowMs`/`nowFrac` is the instant split into whole ms and the fraction (see SplitTime in gcra.ts):
// an epoch value in one double only resolves 2.4e-4 ms, too coarse for fractional intervals.
const CLOCK = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local usec = tonumber(t[2])
local nowMs = tonumber(t[1]) * 1000 + math.floor(usec / 1000)
local nowFrac = (usec % 1000) / 1000
local now = nowMs + nowFrac
`;

/**
 * GCRA over several windows, all or nothing — the same arithmetic as `gcraDecide` in gcra.ts: every
 * comparison on `ahead = max(0, tat - now)` with the slack `max(1e-6, tolerance × 1e-12)` ms.
 * KEYS[1]: the key's state hash (field `p` = penalty end, ms; one field per window = its TAT as
 * `"<whole ms> <fraction>"`; a bare number, as older versions wrote, is read too).
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
local allowed = true
local retry = 0
local penalty = tonumber(vals[1]) or 0
if penalty > now then
  allowed = false
  retry = penalty - now
end
local aheads = {}
local slacks = {}
for i = 1, n do
  local b = 2 + (i - 1) * 4
  local interval = tonumber(ARGV[b + 1])
  local tolerance = tonumber(ARGV[b + 2])
  local slack = tolerance * 1e-12
  if slack < 1e-6 then slack = 1e-6 end
  slacks[i] = slack
  local ahead = 0
  local v = vals[i + 1]
  if v then
    local whole, frac = string.match(v, '^(%S+) (%S+)$')
    local tatMs, tatFrac
    if whole then
      tatMs = tonumber(whole)
      tatFrac = tonumber(frac)
    else
      local tat = tonumber(v)
      if tat then
        tatMs = math.floor(tat)
        tatFrac = tat - tatMs
      end
    end
    if tatMs and tatFrac then
      ahead = (tatMs - nowMs) + (tatFrac - nowFrac)
      if ahead < 0 then ahead = 0 end
    end
  end
  aheads[i] = ahead
  local over = ahead + cost * interval - tolerance
  if over > slack then
    allowed = false
    if over > retry then retry = over end
  end
end
if allowed and n > 0 then
  local args = {}
  local ttl = 0
  for i = 1, n do
    local b = 2 + (i - 1) * 4
    aheads[i] = aheads[i] + cost * tonumber(ARGV[b + 1])
    local x = nowFrac + aheads[i]
    local whole = math.floor(x)
    args[#args + 1] = ARGV[b]
    args[#args + 1] = string.format('%.17g %.17g', nowMs + whole, x - whole)
    if aheads[i] > ttl then ttl = aheads[i] end
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
  local left = math.floor((tonumber(ARGV[b + 2]) - aheads[i] + slacks[i]) / interval)
  if left < 0 then left = 0 end
  if remaining < 0 or left < remaining or (left == remaining and aheads[i] > reset) then
    remaining = left
    limit = ARGV[b + 3]
    reset = aheads[i]
  end
end
if remaining < 0 then remaining = 0 end
local nextIn = 0
if allowed then
  for i = 1, n do
    local b = 2 + (i - 1) * 4
    local wait = aheads[i] + tonumber(ARGV[b + 1]) - tonumber(ARGV[b + 2])
    if wait > slacks[i] and wait > nextIn then nextIn = wait end
  end
end
local at = string.format('%.17g.%03d', nowMs, usec % 1000)
return { allowed and 1 or 0, string.format('%.17g', retry), tostring(remaining), tostring(limit), string.format('%.17g', reset), at, string.format('%.17g', nextIn) }
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
