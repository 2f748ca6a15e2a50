--[[
  A learner claims the job: learnerEpoch + 1 (the previous learner's calls are refused from now
  on). mode 'fresh' (a learner starting the job): refused once a version exists. mode 'resume'
  (a learner continuing from its checkpoint): the state is reset to the checkpoint
  (docs/STATE.md rule 9):
    - the trained items (ARGV[8..]) are done and acknowledged;
    - a group still held (in an unacknowledged batch, oldest batch first, or ready) that the
      checkpoint did not consume is kept (ready again) when it was sampled with a version <= the
      checkpoint's, else discarded; every other done item is discarded (its prompt is sampled again);
    - unacknowledged batches are closed (never handed out again), live leases become void, and
      every lease taken so far can never win an item again (leaseFence = nextLeaseId);
    - queue, enqueued epochs and lease request ids are emptied: the coordinator enqueues the
      epochs again, skipping done items;
    - the latest version becomes the checkpoint's; later versions leave the history.
  The reset is refused when the state does not hold the checkpoint's history — another epochId,
  a latest version below the checkpoint's, another sha256 for its version — unless ARGV[3] is
  '1' (coordinator --rebuild-state): then the checkpoint replaces the state the same way.

  KEYS[1]  job             hash  the job record
  KEYS[2]  versions        hash  version -> "<step> <sha256>"
  KEYS[3]  done            set   items whose group was accepted
  KEYS[4]  groups          hash  item key -> group JSON
  KEYS[5]  ready           list  accepted items not yet in a batch
  KEYS[6]  batches         hash  batch id -> batch JSON
  KEYS[7]  batchDeadlines  zset  unacknowledged batch id -> ack deadline ms
  KEYS[8]  leases          hash  lease id -> lease JSON
  KEYS[9]  deadlines       zset  live lease id -> deadline ms
  KEYS[10] itemLease       hash  item key -> its live lease id
  KEYS[11] queue           list
  KEYS[12] epochs          set
  KEYS[13] epochProgress   hash
  KEYS[14] requests        hash  worker id -> last lease request
  KEYS[15] counters        hash

  ARGV[1] mode       'fresh' | 'resume'
  ARGV[2] now        ms since epoch
  ARGV[3] rebuild    '1' = the checkpoint may replace a state that does not hold it
  ARGV[4] version    of the checkpoint's weights (0 = start over)
  ARGV[5] step       learner step of that version
  ARGV[6] sha256     of that version's file ('' with version 0)
  ARGV[7] epochId    of the state the checkpoint trained against ('' = unknown)
  ARGV[8..n] item keys the checkpoint consumed

  Result: {0, reset, previousVersion, discarded, kept, {field, value, ...}}   reset: 'none' |
                                                   'rolled-back' | 'rebuilt'; the record after
          {-7}                                      NO_JOB
          {-11, latest, learnerEpoch}               JOB_STARTED (fresh claim, versions exist)
          {-12, epochId, pointEpochId, createdAtMs, latest}  STATE_MISMATCH
          {-13, latest, version}                    STATE_BEHIND
          {-14, version, recordedSha, sha256}       CHECKPOINT_MISMATCH
]]
local job = KEYS[1]
if redis.call('EXISTS', job) == 0 then
  return {-7}
end
local latest = tonumber(redis.call('HGET', job, 'weightVersion'))
local learnerEpoch = tonumber(redis.call('HGET', job, 'learnerEpoch') or '0')
if ARGV[1] == 'fresh' then
  if latest > 0 then
    return {-11, latest, learnerEpoch}
  end
  redis.call('HSET', job, 'learnerEpoch', learnerEpoch + 1, 'updatedAtMs', ARGV[2])
  return {0, 'none', latest, 0, 0, redis.call('HGETALL', job)}
end

local version = tonumber(ARGV[4])
local stateEpoch = redis.call('HGET', job, 'epochId') or ''
local refusal = nil
if version > 0 and ARGV[7] ~= '' and ARGV[7] ~= stateEpoch then
  refusal = {-12, stateEpoch, ARGV[7], tonumber(redis.call('HGET', job, 'createdAtMs')), latest}
elseif version > latest then
  refusal = {-13, latest, version}
elseif version > 0 then
  local rec = redis.call('HGET', KEYS[2], version)
  if rec then
    local sha = string.sub(rec, string.find(rec, ' ', 1, true) + 1)
    if sha ~= ARGV[6] then
      refusal = {-14, version, sha, ARGV[6]}
    end
  end
end
if refusal and ARGV[3] ~= '1' then
  return refusal
end

local trained = {}
local trainedList = {}
for i = 8, #ARGV do
  if not trained[ARGV[i]] then
    trained[ARGV[i]] = true
    trainedList[#trainedList + 1] = ARGV[i]
  end
end

-- Groups still held: keep those the checkpoint did not consume whose weights are in the history.
local keep = {}
local kept = {}
local function consider(item)
  if trained[item] or kept[item] then
    return
  end
  local g = redis.call('HGET', KEYS[4], item)
  if g and tonumber(cjson.decode(g).weightVersion) <= version then
    keep[#keep + 1] = item
    kept[item] = g
  end
end
local open = redis.call('ZRANGE', KEYS[7], 0, -1)
local ids = {}
for _, b in ipairs(open) do
  ids[#ids + 1] = tonumber(b)
end
table.sort(ids)
for _, id in ipairs(ids) do
  local batch = cjson.decode(redis.call('HGET', KEYS[6], id))
  for _, item in ipairs(batch.items) do
    consider(item)
  end
  batch.acked = true
  batch.closedByResume = true
  redis.call('HSET', KEYS[6], id, cjson.encode(batch))
end
for _, item in ipairs(redis.call('LRANGE', KEYS[5], 0, -1)) do
  consider(item)
end

local discarded = 0
for _, item in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if not trained[item] and not kept[item] then
    discarded = discarded + 1
  end
end

-- Live leases become void (their items are enqueued again, or done).
for _, id in ipairs(redis.call('ZRANGE', KEYS[9], 0, -1)) do
  local lease = cjson.decode(redis.call('HGET', KEYS[8], id))
  lease.state = 'void'
  redis.call('HSET', KEYS[8], id, cjson.encode(lease))
end

redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[7], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14])
local slice = {}
local function flushSlice()
  if #slice > 0 then
    redis.call('SADD', KEYS[3], unpack(slice))
    slice = {}
  end
end
for _, item in ipairs(trainedList) do
  slice[#slice + 1] = item
  -- SADD in slices: unpack() of a huge table overflows the Lua C stack.
  if #slice == 1000 then
    flushSlice()
  end
end
flushSlice()
for _, item in ipairs(keep) do
  redis.call('SADD', KEYS[3], item)
  redis.call('HSET', KEYS[4], item, kept[item])
  redis.call('RPUSH', KEYS[5], item)
end

local total = redis.call('SCARD', KEYS[3])
redis.call('HSET', KEYS[15], 'promptsTotal', total, 'promptsDone', total, 'groupsTaken', #trainedList, 'groupsAcked', #trainedList,
  'leaseFence', tonumber(redis.call('HGET', KEYS[15], 'nextLeaseId') or '0'))
redis.call('HINCRBY', KEYS[15], 'groupsDiscarded', discarded)

for _, v in ipairs(redis.call('HKEYS', KEYS[2])) do
  if tonumber(v) > version then
    redis.call('HDEL', KEYS[2], v)
  end
end
local step = 0
local sha = ''
if version > 0 then
  step = ARGV[5]
  sha = ARGV[6]
  redis.call('HSET', KEYS[2], version, step .. ' ' .. sha)
end
redis.call('HSET', job, 'weightVersion', version, 'step', step, 'weightSha256', sha, 'learnerEpoch', learnerEpoch + 1, 'updatedAtMs', ARGV[2])
local reset = 'rolled-back'
if refusal then
  reset = 'rebuilt'
end
return {0, reset, latest, discarded, #keep, redis.call('HGETALL', job)}
