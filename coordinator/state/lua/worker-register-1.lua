--[[
  Add a worker, or refresh a known one's info (keeping registeredAtMs and groupsAccepted).

  KEYS[1] workers   hash  worker id -> worker JSON

  ARGV[1] workerId
  ARGV[2] host
  ARGV[3] device
  ARGV[4] now       ms since epoch

  Result: {0, worker JSON}
]]
local now = tonumber(ARGV[4])
local old = redis.call('HGET', KEYS[1], ARGV[1])
local w = { workerId = ARGV[1], host = ARGV[2], device = ARGV[3], registeredAtMs = now, lastSeenMs = now, groupsAccepted = 0 }
if old then
  local o = cjson.decode(old)
  w.registeredAtMs = o.registeredAtMs
  w.groupsAccepted = o.groupsAccepted
end
local enc = cjson.encode(w)
redis.call('HSET', KEYS[1], ARGV[1], enc)
return {0, enc}
