--[[
  A worker's heartbeat: expire due leases (any worker's), mark the worker seen and renew the
  listed leases it still holds live. The caller sends long lists in chunks (each chunk one call).
  A renewal only moves the lease's score in `deadlines` (the lease JSON keeps the deadline it
  was taken with; listLeases reads deadlines from the sorted set).

  KEYS[1] workers    hash  worker id -> worker JSON
  KEYS[2] leases     hash  lease id -> lease JSON
  KEYS[3] deadlines  zset  live lease id -> deadline ms
  KEYS[4] queue      list  item keys, head = front
  KEYS[5] itemLease  hash  item key -> its live lease id
  KEYS[6] counters   hash

  ARGV[1] workerId
  ARGV[2] now              ms since epoch
  ARGV[3] leaseTimeoutMs
  ARGV[4..n] lease ids the worker holds

  Result: {0, lost lease id, ...}   listed ids the worker no longer holds
          {-1}                      UNKNOWN_WORKER
]]
--- @include expire-due
local now = tonumber(ARGV[2])
expireDue(KEYS[3], KEYS[2], KEYS[4], KEYS[5], KEYS[6], now, 0)
local wjson = redis.call('HGET', KEYS[1], ARGV[1])
if not wjson then
  return {-1}
end
local worker = cjson.decode(wjson)
worker.lastSeenMs = now
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(worker))
local deadline = now + tonumber(ARGV[3])
local out = {0}
for i = 4, #ARGV do
  local id = ARGV[i]
  local ljson = redis.call('HGET', KEYS[2], id)
  local lease = ljson and cjson.decode(ljson)
  if lease and lease.state == 'live' and lease.workerId == ARGV[1] then
    redis.call('ZADD', KEYS[3], deadline, id)
  else
    out[#out + 1] = id
  end
end
return out
