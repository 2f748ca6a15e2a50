--[[
  Lease up to max items from the queue front to a registered worker. Idempotent by request id:
  a retry returns the leases of the first call (as they are now) and takes nothing.
  The caller expires due leases first (lease-expire-5).

  KEYS[1] workers    hash  worker id -> worker JSON
  KEYS[2] queue      list  item keys, head = front
  KEYS[3] leases     hash  lease id -> lease JSON
  KEYS[4] deadlines  zset  live lease id -> deadline ms
  KEYS[5] itemLease  hash  item key -> its live lease id
  KEYS[6] counters   hash  (nextLeaseId)
  KEYS[7] requests   hash  request id -> comma-joined lease ids

  ARGV[1] workerId
  ARGV[2] max              >= 1
  ARGV[3] now              ms since epoch
  ARGV[4] leaseTimeoutMs
  ARGV[5] minWeightVersion
  ARGV[6] requestId        '' = no dedup

  Result: {0, lease JSON, ...}   the leases (state "live" when new)
          {-1}                   UNKNOWN_WORKER
]]
local wjson = redis.call('HGET', KEYS[1], ARGV[1])
if not wjson then
  return {-1}
end
local worker = cjson.decode(wjson)
worker.lastSeenMs = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(worker))

local out = {0}
if ARGV[6] ~= '' then
  local seen = redis.call('HGET', KEYS[7], ARGV[6])
  if seen then
    for id in string.gmatch(seen, '[^,]+') do
      out[#out + 1] = redis.call('HGET', KEYS[3], id)
    end
    return out
  end
end

local now = tonumber(ARGV[3])
local deadline = now + tonumber(ARGV[4])
local ids = {}
for _ = 1, tonumber(ARGV[2]) do
  local item = redis.call('LPOP', KEYS[2])
  if not item then
    break
  end
  local colon = string.find(item, ':', 1, true)
  local id = 'L' .. redis.call('HINCRBY', KEYS[6], 'nextLeaseId', 1)
  local lease = {
    leaseId = id,
    epoch = tonumber(string.sub(item, 1, colon - 1)),
    promptId = string.sub(item, colon + 1),
    workerId = ARGV[1],
    deadlineMs = deadline,
    minWeightVersion = tonumber(ARGV[5]),
    takenAtMs = now,
    state = 'live',
  }
  local enc = cjson.encode(lease)
  redis.call('HSET', KEYS[3], id, enc)
  redis.call('ZADD', KEYS[4], deadline, id)
  redis.call('HSET', KEYS[5], item, id)
  ids[#ids + 1] = id
  out[#out + 1] = enc
end
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[7], ARGV[6], table.concat(ids, ','))
end
return out
