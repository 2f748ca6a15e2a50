--[[
  Hand a worker's live leases back; their items go to the queue front in the given order
  (mode "all"/"deregister": the worker's live leases by deadline). "deregister" also forgets
  the worker.

  KEYS[1] workers    hash  worker id -> worker JSON
  KEYS[2] leases     hash  lease id -> lease JSON
  KEYS[3] deadlines  zset  live lease id -> deadline ms
  KEYS[4] queue      list  item keys, head = front
  KEYS[5] itemLease  hash  item key -> its live lease id
  KEYS[6] counters   hash

  ARGV[1] workerId
  ARGV[2] now        ms since epoch (unused; kept for the log of calls)
  ARGV[3] mode       "ids" | "all" | "deregister"
  ARGV[4..n] lease ids (mode "ids")

  Result: {0, workerExisted (1|0), releasedCount, released id..., unknown id...}
]]
local ids = {}
if ARGV[3] == 'ids' then
  for i = 4, #ARGV do
    ids[#ids + 1] = ARGV[i]
  end
else
  for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local lease = cjson.decode(redis.call('HGET', KEYS[2], id))
    if lease.workerId == ARGV[1] then
      ids[#ids + 1] = id
    end
  end
end
local released, unknown, items = {}, {}, {}
for _, id in ipairs(ids) do
  local ljson = redis.call('HGET', KEYS[2], id)
  local lease = ljson and cjson.decode(ljson)
  if lease and lease.state == 'live' and lease.workerId == ARGV[1] then
    lease.state = 'released'
    redis.call('HSET', KEYS[2], id, cjson.encode(lease))
    redis.call('ZREM', KEYS[3], id)
    local item = lease.epoch .. ':' .. lease.promptId
    redis.call('HDEL', KEYS[5], item)
    released[#released + 1] = id
    items[#items + 1] = item
  else
    unknown[#unknown + 1] = id
  end
end
for i = #items, 1, -1 do
  redis.call('LPUSH', KEYS[4], items[i])
end
if #items > 0 then
  redis.call('HINCRBY', KEYS[6], 'released', #items)
  redis.call('HINCRBY', KEYS[6], 'requeued', #items)
end
local existed = 0
if ARGV[3] == 'deregister' then
  existed = redis.call('HDEL', KEYS[1], ARGV[1])
end
local out = {0, existed, #released}
for _, id in ipairs(released) do out[#out + 1] = id end
for _, id in ipairs(unknown) do out[#out + 1] = id end
return out
