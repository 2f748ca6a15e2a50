--[[
  Add a worker, or refresh a known one's info (keeping registeredAtMs and groupsAccepted).
  An empty worker id registers a new worker as "w<n>", n the next value of nextWorkerId that no
  registered worker uses.

  KEYS[1] workers   hash  worker id -> worker JSON
  KEYS[2] counters  hash  (nextWorkerId)

  ARGV[1] workerId  '' = pick one
  ARGV[2] host
  ARGV[3] device
  ARGV[4] now       ms since epoch

  Result: {0, worker JSON}
]]
local id = ARGV[1]
if id == '' then
  repeat
    id = 'w' .. redis.call('HINCRBY', KEYS[2], 'nextWorkerId', 1)
  until redis.call('HEXISTS', KEYS[1], id) == 0
end
local now = tonumber(ARGV[4])
local old = redis.call('HGET', KEYS[1], id)
local w = { workerId = id, host = ARGV[2], device = ARGV[3], registeredAtMs = now, lastSeenMs = now, groupsAccepted = 0 }
if old then
  local o = cjson.decode(old)
  w.registeredAtMs = o.registeredAtMs
  w.groupsAccepted = o.groupsAccepted
end
local enc = cjson.encode(w)
redis.call('HSET', KEYS[1], id, enc)
return {0, enc}
