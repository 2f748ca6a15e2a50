--[[
  Create the job record, or return the existing one when the config hash matches.

  KEYS[1] job       hash  anomseer:<jobId>:job

  ARGV[1] jobId
  ARGV[2] configHash
  ARGV[3] now        ms since epoch

  Result: {0, {field, value, ...}}   the record (HGETALL)
          {-5, oldHash, newHash}     CONFIG_CONFLICT: the job runs another config
]]
local job = KEYS[1]
if redis.call('EXISTS', job) == 1 then
  local old = redis.call('HGET', job, 'configHash')
  if old ~= ARGV[2] then
    return {-5, old, ARGV[2]}
  end
  return {0, redis.call('HGETALL', job)}
end
redis.call('HSET', job, 'jobId', ARGV[1], 'configHash', ARGV[2], 'step', 0, 'weightVersion', 0,
  'weightSha256', '', 'createdAtMs', ARGV[3], 'updatedAtMs', ARGV[3])
return {0, redis.call('HGETALL', job)}
