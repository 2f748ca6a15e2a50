--[[
  Expire every live lease whose deadline <= now; requeue their items at the queue front
  (earliest deadline first, ties by lease id as a string).

  KEYS[1] deadlines  zset  live lease id -> deadline ms
  KEYS[2] leases     hash  lease id -> lease JSON (every lease ever issued)
  KEYS[3] queue      list  item keys, head = front
  KEYS[4] itemLease  hash  item key -> its live lease id
  KEYS[5] counters   hash

  ARGV[1] now        ms since epoch

  Result: {lease JSON, ...} the leases that expired (state "expired"), possibly empty
]]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = {}
local items = {}
for _, id in ipairs(ids) do
  local lease = cjson.decode(redis.call('HGET', KEYS[2], id))
  lease.state = 'expired'
  local enc = cjson.encode(lease)
  redis.call('HSET', KEYS[2], id, enc)
  local item = lease.epoch .. ':' .. lease.promptId
  redis.call('HDEL', KEYS[4], item)
  redis.call('ZREM', KEYS[1], id)
  items[#items + 1] = item
  out[#out + 1] = enc
end
-- LPUSH the last one first so the earliest deadline ends up at the very front.
for i = #items, 1, -1 do
  redis.call('LPUSH', KEYS[3], items[i])
end
if #items > 0 then
  redis.call('HINCRBY', KEYS[5], 'expired', #items)
  redis.call('HINCRBY', KEYS[5], 'requeued', #items)
end
return out
