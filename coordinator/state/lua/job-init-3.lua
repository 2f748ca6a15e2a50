--[[
  Create the job record, or return the existing one when the config hash matches. A missing
  record while other state of the job exists is not a new job: the state was lost or evicted
  (docs/STATE.md "Fingerprint"), and starting over silently would hide it.

  KEYS[1] job       hash  anomseer:<jobId>:job
  KEYS[2] counters  hash  (exists once anything was enqueued, leased or registered)
  KEYS[3] workers   hash

  ARGV[1] jobId
  ARGV[2] configHash
  ARGV[3] now        ms since epoch
  ARGV[4] epochId    the new record's fingerprint (random, from the coordinator)

  Result: {0, {field, value, ...}}   the record (HGETALL)
          {-5, oldHash, newHash}     CONFIG_CONFLICT: the job runs another config
          {-10, what}                STATE_INCOMPLETE: no record, but `what` exists
]]
local job = KEYS[1]
if redis.call('EXISTS', job) == 1 then
  local old = redis.call('HGET', job, 'configHash')
  if old ~= ARGV[2] then
    return {-5, old, ARGV[2]}
  end
  return {0, redis.call('HGETALL', job)}
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {-10, 'counters'}
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {-10, 'workers'}
end
redis.call('HSET', job, 'jobId', ARGV[1], 'configHash', ARGV[2], 'step', 0, 'weightVersion', 0,
  'weightSha256', '', 'createdAtMs', ARGV[3], 'updatedAtMs', ARGV[3], 'epochId', ARGV[4], 'learnerEpoch', 0)
return {0, redis.call('HGETALL', job)}
