--[[
  Append the items "<epoch>:<promptId>" of one epoch to the queue tail, in order, once per epoch.
  The caller sends a long epoch in chunks (offset = items of the epoch before this chunk); a
  chunk is appended only when it starts where the last appended one ended, so a coordinator
  that died mid-epoch and calls again completes the epoch without doubling an item. Items
  already done are skipped: after a learner resume reset the state (learner-claim), the items
  its checkpoint trained stay done and are not sampled again.

  KEYS[1] epochs    set   epochs wholly enqueued
  KEYS[2] progress  hash  epoch -> items appended so far (only while an epoch is incomplete)
  KEYS[3] queue     list  item keys, head = front
  KEYS[4] counters  hash
  KEYS[5] done      set   items whose group was accepted

  ARGV[1] epoch
  ARGV[2] offset    index in the epoch of this chunk's first prompt
  ARGV[3] total     prompts in the epoch
  ARGV[4..n] prompt ids of this chunk, in order

  Result: 1 appended, 0 the epoch was wholly enqueued before, 2 this chunk was appended before
]]
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  return 0
end
local done = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) ~= done then
  return 2
end
local batch = {}
local appended = 0
for i = 4, #ARGV do
  local item = ARGV[1] .. ':' .. ARGV[i]
  if redis.call('SISMEMBER', KEYS[5], item) == 0 then
    batch[#batch + 1] = item
    appended = appended + 1
  end
  -- RPUSH in slices: unpack() of a huge table overflows the Lua C stack.
  if #batch == 1000 then
    redis.call('RPUSH', KEYS[3], unpack(batch))
    batch = {}
  end
end
if #batch > 0 then
  redis.call('RPUSH', KEYS[3], unpack(batch))
end
done = done + #ARGV - 3
if done >= tonumber(ARGV[3]) then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], done)
end
redis.call('HINCRBY', KEYS[4], 'promptsTotal', appended)
return 1
