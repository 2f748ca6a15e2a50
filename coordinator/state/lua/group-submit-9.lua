--[[
  Submit the groups of one or more leases, atomically. First every group is checked (the first
  failure is the answer and nothing changes, except staleDropped for a stale group); then each
  is judged in order. First complete submission wins: the first group for an item, from any of
  its leases (even expired, released or cancelled ones), is accepted; later ones are duplicates,
  counted and dropped. A late winner takes its item out of the queue, or cancels the item's
  other live lease. A lease taken before the last learner resume (number <= counters.leaseFence,
  learner-claim) never wins: its group is dropped as a duplicate ('lease-void').

  KEYS[1] leases     hash  lease id -> lease JSON
  KEYS[2] deadlines  zset  live lease id -> deadline ms
  KEYS[3] itemLease  hash  item key -> its live lease id
  KEYS[4] done       set   items whose group was accepted
  KEYS[5] groups     hash  item key -> group JSON (until its batch is acknowledged)
  KEYS[6] ready      list  accepted items not yet in a batch
  KEYS[7] counters   hash  (leaseFence)
  KEYS[8] queue      list  item keys, head = front
  KEYS[9] workers    hash  worker id -> worker JSON

  ARGV[1] now             ms since epoch
  ARGV[2 + 5i ..] per group i (0-based), five values:
          leaseId, workerId (the submitter), promptId, weightVersion (that sampled the rollouts),
          payload (the group, opaque)

  Result: {0, outcome, data, outcome, data, ...}   per group: outcome 0 = accepted (data: group
                                                    JSON), 1 = duplicate (data: reason:
                                                    lease-already-accepted, prompt-already-done,
                                                    lease-void)
          {-2, i}                                   UNKNOWN_LEASE (group i, 0-based)
          {-8, i, owner}                            LEASE_NOT_OWNED
          {-9, i, leasePromptId, promptId}          PROMPT_MISMATCH
          {-3, i, weightVersion, minWeightVersion}  STALE_WEIGHTS
]]
local n = (#ARGV - 1) / 5
local now = tonumber(ARGV[1])
local fence = tonumber(redis.call('HGET', KEYS[7], 'leaseFence') or '0')
local function isVoid(id)
  return tonumber(string.sub(id, 2)) <= fence
end
local leases = {}
for i = 0, n - 1 do
  local b = 2 + 5 * i
  local id = ARGV[b]
  local ljson = redis.call('HGET', KEYS[1], id)
  if not ljson then
    return {-2, i}
  end
  local lease = cjson.decode(ljson)
  if lease.workerId ~= ARGV[b + 1] then
    return {-8, i, lease.workerId}
  end
  if tostring(lease.promptId) ~= ARGV[b + 2] then
    return {-9, i, tostring(lease.promptId), ARGV[b + 2]}
  end
  local item = lease.epoch .. ':' .. lease.promptId
  if lease.state ~= 'accepted' and not isVoid(id) and redis.call('SISMEMBER', KEYS[4], item) == 0 and tonumber(ARGV[b + 3]) < lease.minWeightVersion then
    redis.call('HINCRBY', KEYS[7], 'staleDropped', 1)
    return {-3, i, tonumber(ARGV[b + 3]), lease.minWeightVersion}
  end
  leases[i] = lease
end

local out = {0}
local accepted = {}
local dup = 0
for i = 0, n - 1 do
  local b = 2 + 5 * i
  local id = ARGV[b]
  -- Read again: an earlier group of this call may have changed the lease.
  local lease = cjson.decode(redis.call('HGET', KEYS[1], id))
  local item = lease.epoch .. ':' .. lease.promptId
  if lease.state == 'accepted' then
    dup = dup + 1
    out[#out + 1] = 1
    out[#out + 1] = 'lease-already-accepted'
  elseif redis.call('SISMEMBER', KEYS[4], item) == 1 then
    dup = dup + 1
    out[#out + 1] = 1
    out[#out + 1] = 'prompt-already-done'
  elseif isVoid(id) then
    dup = dup + 1
    out[#out + 1] = 1
    out[#out + 1] = 'lease-void'
  else
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
      weightVersion = tonumber(ARGV[b + 3]),
      submittedAtMs = now,
      payload = ARGV[b + 4],
    })
    redis.call('SADD', KEYS[4], item)
    redis.call('HSET', KEYS[5], item, group)
    redis.call('RPUSH', KEYS[6], item)
    accepted[lease.workerId] = (accepted[lease.workerId] or 0) + 1
    out[#out + 1] = 0
    out[#out + 1] = group
  end
end
if dup > 0 then
  redis.call('HINCRBY', KEYS[7], 'duplicatesDropped', dup)
end
local total = 0
for w, k in pairs(accepted) do
  total = total + k
  local wjson = redis.call('HGET', KEYS[9], w)
  if wjson then
    local wr = cjson.decode(wjson)
    wr.groupsAccepted = wr.groupsAccepted + k
    redis.call('HSET', KEYS[9], w, cjson.encode(wr))
  end
end
if total > 0 then
  redis.call('HINCRBY', KEYS[7], 'promptsDone', total)
end
return out
