--[[
  The learner's next batch: the unacknowledged batch with the lowest id whose ack deadline
  passed (redelivered: same id and groups, delivery + 1, new deadline), else a new batch of up to
  max ready groups, else nothing. With ARGV[4] = '1' only an open batch: the oldest
  unacknowledged one whatever its deadline, never a new one (a coordinator's first take after it
  started: the answer that carried it may be lost).

  KEYS[1] ready           list  accepted items not yet in a batch
  KEYS[2] groups          hash  item key -> group JSON
  KEYS[3] batches         hash  batch id -> batch JSON {items, ackDeadlineMs, delivery, acked}
  KEYS[4] batchDeadlines  zset  unacknowledged batch id -> ack deadline ms
  KEYS[5] counters        hash  (nextBatchId, groupsTaken)

  ARGV[1] max             >= 1
  ARGV[2] now             ms since epoch
  ARGV[3] ackTimeoutMs
  ARGV[4] redeliverOpen   '1' = the oldest open batch whatever its deadline, or nothing

  Result: {0, batchId, ackDeadlineMs, delivery, group JSON...}
          {0, 0}   nothing to hand out
]]
local now = tonumber(ARGV[2])
local deadline = now + tonumber(ARGV[3])
local due
if ARGV[4] == '1' then
  due = redis.call('ZRANGE', KEYS[4], 0, -1)
else
  due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
end
local id = nil
for _, b in ipairs(due) do
  if id == nil or tonumber(b) < id then
    id = tonumber(b)
  end
end
local batch
if id ~= nil then
  batch = cjson.decode(redis.call('HGET', KEYS[3], id))
  batch.delivery = batch.delivery + 1
elseif ARGV[4] == '1' then
  return {0, 0}
else
  local items = redis.call('LPOP', KEYS[1], tonumber(ARGV[1]))
  if not items then
    return {0, 0}
  end
  id = redis.call('HINCRBY', KEYS[5], 'nextBatchId', 1)
  batch = { items = items, delivery = 1, acked = false }
  redis.call('HINCRBY', KEYS[5], 'groupsTaken', #items)
end
batch.ackDeadlineMs = deadline
redis.call('HSET', KEYS[3], id, cjson.encode(batch))
redis.call('ZADD', KEYS[4], deadline, id)
local out = {0, id, deadline, batch.delivery}
for _, item in ipairs(batch.items) do
  out[#out + 1] = redis.call('HGET', KEYS[2], item)
end
return out
