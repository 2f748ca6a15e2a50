--[[
  Record a new weight version (latest + 1). The same version with the same sha256 is a no-op.

  KEYS[1] job       hash  anomseer:<jobId>:job
  KEYS[2] versions  hash  version -> "<step> <sha256>" (the history a learner resume is checked against)

  ARGV[1] version
  ARGV[2] step
  ARGV[3] sha256     lowercase hex
  ARGV[4] now        ms since epoch

  Result: {0, {field, value, ...}}                        the record (HGETALL)
          {-7}                                            NO_JOB: initJob was never called
          {-6, latest, latestSha, version, sha256}        VERSION_CONFLICT: gap or rewrite
]]
local job = KEYS[1]
if redis.call('EXISTS', job) == 0 then
  return {-7}
end
local latest = tonumber(redis.call('HGET', job, 'weightVersion'))
local latestSha = redis.call('HGET', job, 'weightSha256')
local version = tonumber(ARGV[1])
if version == latest and ARGV[3] == latestSha then
  return {0, redis.call('HGETALL', job)}
end
if version ~= latest + 1 then
  return {-6, latest, latestSha, version, ARGV[3]}
end
redis.call('HSET', job, 'weightVersion', version, 'step', ARGV[2], 'weightSha256', ARGV[3], 'updatedAtMs', ARGV[4])
redis.call('HSET', KEYS[2], version, ARGV[2] .. ' ' .. ARGV[3])
return {0, redis.call('HGETALL', job)}
