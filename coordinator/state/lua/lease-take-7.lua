--[[
  Expire due leases (any worker's), then lease up to max items from the queue front to a
  registered worker. Idempotent by the worker's last request id: a retry returns the leases of
  that call (as they are now) and takes nothing.

  KEYS[1] workers    hash  worker id -> worker JSON
  KEYS[2] queue      list  item keys, head = front
  KEYS[3] leases     hash  lease id -> lease JSON
  KEYS[4] deadlines  zset  live lease id -> deadline ms
  KEYS[5] itemLease  hash  item key -> its live lease id
  KEYS[6] counters   hash  (nextLeaseId)
  KEYS[7] requests   hash  worker id -> "<last request id>\n<comma-joined lease ids>"

  ARGV[1] workerId
  ARGV[2] max              >= 1
  ARGV[3] now              ms since epoch
  ARGV[4] leaseTimeoutMs
  ARGV[5] minWeightVersion
  ARGV[6] requestId        '' = no dedup

  Result: {0, 'new', deadlineMs, minWeightVersion, takenAtMs, id, item, id, item, ...}  new leases
          {0, 'seen', lease JSON, deadline ms, ...}  a retry: the leases of the first call
          {-1}                   UNKNOWN_WORKER
]]
--- @include expire-due
local now = tonumber(ARGV[3])
expireDue(KEYS[4], KEYS[3], KEYS[2], KEYS[5], KEYS[6], now, 0)
local wjson = redis.call('HGET', KEYS[1], ARGV[1])
if not wjson then
  return {-1}
end
local worker = cjson.decode(wjson)
worker.lastSeenMs = now
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(worker))

if ARGV[6] ~= '' then
  local seen = redis.call('HGET', KEYS[7], ARGV[1])
  if seen then
    local nl = string.find(seen, '\n', 1, true)
    if string.sub(seen, 1, nl - 1) == ARGV[6] then
      local out = {0, 'seen'}
      for id in string.gmatch(string.sub(seen, nl + 1), '[^,]+') do
        out[#out + 1] = redis.call('HGET', KEYS[3], id)
        out[#out + 1] = redis.call('ZSCORE', KEYS[4], id) or ''
      end
      return out
    end
  end
end

local deadline = now + tonumber(ARGV[4])
local minVersion = tonumber(ARGV[5])
local out = {0, 'new', deadline, minVersion, now}
local ids = {}
local max = tonumber(ARGV[2])
local items = redis.call('LPOP', KEYS[2], max)
if items then
  local first = redis.call('HINCRBY', KEYS[6], 'nextLeaseId', #items) - #items
  for i, item in ipairs(items) do
    local colon = string.find(item, ':', 1, true)
    local id = 'L' .. (first + i)
    local lease = {
      leaseId = id,
      epoch = tonumber(string.sub(item, 1, colon - 1)),
      promptId = string.sub(item, colon + 1),
      workerId = ARGV[1],
      deadlineMs = deadline,
      minWeightVersion = minVersion,
      takenAtMs = now,
      state = 'live',
    }
    redis.call('HSET', KEYS[3], id, cjson.encode(lease))
    redis.call('ZADD', KEYS[4], deadline, id)
    redis.call('HSET', KEYS[5], item, id)
    ids[#ids + 1] = id
    out[#out + 1] = id
    out[#out + 1] = item
  end
end
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[7], ARGV[1], ARGV[6] .. '\n' .. table.concat(ids, ','))
end
return out
