--[[
  Included by the scripts that expire due leases first (`--- @include expire-due`).
  expireDue(deadlines, leases, queue, itemLease, counters, now, limit): expire every live lease
  whose deadline <= now (at most `limit`, 0 = all), earliest deadline first, ties by lease id as
  a string; requeue their items at the queue front (the earliest first); returns the expired
  leases' JSON (state "expired", deadlineMs = the deadline they expired at).
]]
local function expireDue(deadlines, leases, queue, itemLease, counters, now, limit)
  local ids
  if limit > 0 then
    ids = redis.call('ZRANGEBYSCORE', deadlines, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
  else
    ids = redis.call('ZRANGEBYSCORE', deadlines, '-inf', now, 'WITHSCORES')
  end
  local out = {}
  if #ids == 0 then
    return out
  end
  local items = {}
  for i = 1, #ids, 2 do
    local id = ids[i]
    local lease = cjson.decode(redis.call('HGET', leases, id))
    lease.state = 'expired'
    lease.deadlineMs = tonumber(ids[i + 1])
    local enc = cjson.encode(lease)
    redis.call('HSET', leases, id, enc)
    local item = lease.epoch .. ':' .. lease.promptId
    redis.call('HDEL', itemLease, item)
    redis.call('ZREM', deadlines, id)
    items[#items + 1] = item
    out[#out + 1] = enc
  end
  -- LPUSH the last one first so the earliest deadline ends up at the very front.
  for i = #items, 1, -1 do
    redis.call('LPUSH', queue, items[i])
  end
  redis.call('HINCRBY', counters, 'expired', #items)
  redis.call('HINCRBY', counters, 'requeued', #items)
  return out
end
