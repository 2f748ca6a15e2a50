--[[
  A worker's heartbeat: mark it seen and renew the listed leases it still holds live.
  The caller expires due leases first (lease-expire-5).

  KEYS[1] workers    hash  worker id -> worker JSON
  KEYS[2] leases     hash  lease id -> lease JSON
  KEYS[3] deadlines  zset  live lease id -> deadline ms

  ARGV[1] workerId
  ARGV[2] now              ms since epoch
  ARGV[3] leaseTimeoutMs
  ARGV[4..n] lease ids the worker holds

  Result: {0, lost lease id, ...}   listed ids the worker no longer holds
          {-1}                      UNKNOWN_WORKER
]]
local wjson = redis.call('HGET', KEYS[1], ARGV[1])
if not wjson then
  return {-1}
end
local worker = cjson.decode(wjson)
local now = tonumber(ARGV[2])
worker.lastSeenMs = now
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(worker))
local deadline = now + tonumber(ARGV[3])
local out = {0}
for i = 4, #ARGV do
  local id = ARGV[i]
  local ljson = redis.call('HGET', KEYS[2], id)
  local lease = ljson and cjson.decode(ljson)
  if lease and lease.state == 'live' and lease.workerId == ARGV[1] then
    lease.deadlineMs = deadline
    redis.call('HSET', KEYS[2], id, cjson.encode(lease))
    redis.call('ZADD', KEYS[3], deadline, id)
  else
    out[#out + 1] = id
  end
end
return out
