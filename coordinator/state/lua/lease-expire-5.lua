--[[
  Expire every live lease whose deadline <= now; requeue their items at the queue front
  (earliest deadline first, ties by lease id as a string).

  KEYS[1] deadlines  zset  live lease id -> deadline ms
  KEYS[2] leases     hash  lease id -> lease JSON (every lease ever issued)
  KEYS[3] queue      list  item keys, head = front
  KEYS[4] itemLease  hash  item key -> its live lease id
  KEYS[5] counters   hash

  ARGV[1] now        ms since epoch

  Result: {lease JSON, ...} the leases that expired (state "expired"), possibly empty
]]
--- @include expire-due
return expireDue(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], tonumber(ARGV[1]), 0)
