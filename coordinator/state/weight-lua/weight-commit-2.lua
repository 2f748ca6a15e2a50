--[[
  Make a stored weight version visible and delete the versions older than the newest `keep`
  (coordinator/state/weight-blobs.ts). The version's pieces were written before this runs
  (HSET data "<version>:<i>"), under a `pending:<version>` marker in the meta hash that names
  how many pieces it wrote; a piece beyond the new count (left by an earlier, longer write of
  the same version) is deleted here, so nothing is ever orphaned.

  KEYS[1] meta   hash  anomseer:<jobId>:weight-meta   field "<version>" → version JSON;
                                                      field "pending:<version>" → pieces written so far
  KEYS[2] data   hash  anomseer:<jobId>:weight-data   field "<version>:<piece>" → bytes

  ARGV[1] version
  ARGV[2] version JSON  {"version","step","sha256","totalBytes","pieceBytes","pieces","publishedAtMs"}
  ARGV[3] keep          versions kept (>= 1): every version <= version − keep is deleted
  ARGV[4] pieces        pieces of this write
  ARGV[5] stalePieces   the largest piece count any earlier write of this version used

  Result: {0, deleted}   deleted = versions (committed or pending) removed by this call
]]
local meta, data = KEYS[1], KEYS[2]
local version = tonumber(ARGV[1])
local keep = tonumber(ARGV[3])
local pieces = tonumber(ARGV[4])
local stale = tonumber(ARGV[5])

for i = pieces, stale - 1 do
  redis.call('HDEL', data, version .. ':' .. i)
end
redis.call('HSET', meta, tostring(version), ARGV[2])
redis.call('HDEL', meta, 'pending:' .. version)

local deleted = 0
local fields = redis.call('HKEYS', meta)
for _, field in ipairs(fields) do
  local v = tonumber(string.match(field, '^(%d+)$') or string.match(field, '^pending:(%d+)$'))
  if v ~= nil and v <= version - keep then
    local raw = redis.call('HGET', meta, field)
    local n = 0
    if string.sub(field, 1, 8) == 'pending:' then
      n = tonumber(raw)
    else
      n = tonumber(cjson.decode(raw).pieces)
    end
    for i = 0, n - 1 do
      redis.call('HDEL', data, v .. ':' .. i)
    end
    redis.call('HDEL', meta, field)
    deleted = deleted + 1
  end
end
return {0, deleted}
