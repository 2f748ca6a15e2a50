--[[
  Submit the group of one lease. First complete submission wins: the first group for an item,
  from any of its leases (even expired, released or cancelled ones), is accepted; later ones are
  duplicates, counted and dropped. A late winner takes its item out of the queue, or cancels the
  item's other live lease.

  KEYS[1] leases     hash  lease id -> lease JSON
  KEYS[2] deadlines  zset  live lease id -> deadline ms
  KEYS[3] itemLease  hash  item key -> its live lease id
  KEYS[4] done       set   items whose group was accepted
  KEYS[5] groups     hash  item key -> group JSON (until its batch is acknowledged)
  KEYS[6] ready      list  accepted items not yet in a batch
  KEYS[7] counters   hash
  KEYS[8] queue      list  item keys, head = front
  KEYS[9] workers    hash  worker id -> worker JSON

  ARGV[1] leaseId
  ARGV[2] weightVersion   that sampled the rollouts
  ARGV[3] now             ms since epoch
  ARGV[4] payload         the group, opaque

  Result: {0, group JSON}                     accepted
          {1, "lease-already-accepted" | "prompt-already-done"}   duplicate (dropped)
          {-2}                                UNKNOWN_LEASE
          {-3, weightVersion, minWeightVersion}   STALE_WEIGHTS
]]
local id = ARGV[1]
local ljson = redis.call('HGET', KEYS[1], id)
if not ljson then
  return {-2}
end
local lease = cjson.decode(ljson)
local item = lease.epoch .. ':' .. lease.promptId
if lease.state == 'accepted' then
  redis.call('HINCRBY', KEYS[7], 'duplicatesDropped', 1)
  return {1, 'lease-already-accepted'}
end
if redis.call('SISMEMBER', KEYS[4], item) == 1 then
  redis.call('HINCRBY', KEYS[7], 'duplicatesDropped', 1)
  return {1, 'prompt-already-done'}
end
local version = tonumber(ARGV[2])
if version < lease.minWeightVersion then
  redis.call('HINCRBY', KEYS[7], 'staleDropped', 1)
  return {-3, version, lease.minWeightVersion}
end

if lease.state == 'live' then
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], item)
else
  local other = redis.call('HGET', KEYS[3], item)
  if other then
    local o = cjson.decode(redis.call('HGET', KEYS[1], other))
    o.state = 'cancelled'
    redis.call('HSET', KEYS[1], other, cjson.encode(o))
    redis.call('ZREM', KEYS[2], other)
    redis.call('HDEL', KEYS[3], item)
  else
    redis.call('LREM', KEYS[8], 1, item)
  end
end
lease.state = 'accepted'
redis.call('HSET', KEYS[1], id, cjson.encode(lease))

local group = cjson.encode({
  epoch = lease.epoch,
  promptId = lease.promptId,
  leaseId = id,
  workerId = lease.workerId,
  weightVersion = version,
  submittedAtMs = tonumber(ARGV[3]),
  payload = ARGV[4],
})
redis.call('SADD', KEYS[4], item)
redis.call('HSET', KEYS[5], item, group)
redis.call('RPUSH', KEYS[6], item)
redis.call('HINCRBY', KEYS[7], 'promptsDone', 1)
local wjson = redis.call('HGET', KEYS[9], lease.workerId)
if wjson then
  local w = cjson.decode(wjson)
  w.groupsAccepted = w.groupsAccepted + 1
  redis.call('HSET', KEYS[9], lease.workerId, cjson.encode(w))
end
return {0, group}
