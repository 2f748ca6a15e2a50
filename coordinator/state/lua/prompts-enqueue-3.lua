--[[
  Append the items "<epoch>:<promptId>" of one epoch to the queue tail, in order, once per epoch.

  KEYS[1] epochs    set   epochs already enqueued
  KEYS[2] queue     list  item keys, head = front
  KEYS[3] counters  hash

  ARGV[1] epoch
  ARGV[2..n] prompt ids, in order

  Result: 1 enqueued, 0 the epoch was enqueued before (nothing changed)
]]
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local batch = {}
for i = 2, #ARGV do
  batch[#batch + 1] = ARGV[1] .. ':' .. ARGV[i]
  -- RPUSH in slices: unpack() of a huge table overflows the Lua C stack.
  if #batch == 1000 then
    redis.call('RPUSH', KEYS[2], unpack(batch))
    batch = {}
  end
end
if #batch > 0 then
  redis.call('RPUSH', KEYS[2], unpack(batch))
end
redis.call('HINCRBY', KEYS[3], 'promptsTotal', #ARGV - 1)
return 1
