--[[
  Acknowledge a batch: its groups are trained, dropped from the store and never handed out again.

  KEYS[1] batches         hash  batch id -> batch JSON
  KEYS[2] batchDeadlines  zset  unacknowledged batch id -> ack deadline ms
  KEYS[3] groups          hash  item key -> group JSON
  KEYS[4] counters        hash  (groupsAcked)

  ARGV[1] batchId
  ARGV[2] now             ms since epoch

  Result: {0, 1} acknowledged now
          {0, 0} acknowledged before (retry; nothing changed)
          {-4}   UNKNOWN_BATCH
]]
local bjson = redis.call('HGET', KEYS[1], ARGV[1])
if not bjson then
  return {-4}
end
local batch = cjson.decode(bjson)
if batch.acked then
  return {0, 0}
end
batch.acked = true
batch.ackedAtMs = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(batch))
redis.call('ZREM', KEYS[2], ARGV[1])
for _, item in ipairs(batch.items) do
  redis.call('HDEL', KEYS[3], item)
end
redis.call('HINCRBY', KEYS[4], 'groupsAcked', #batch.items)
return {0, 1}
