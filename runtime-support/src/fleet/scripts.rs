//! The server-side steps, each one atomic Lua script on one key (so that it runs on one shard of a
//! cluster), on the server's clock (`TIME`), so that the replicas' clocks do not matter. Redis 5
//! or later (scripts replicated by their effects).

use std::sync::LazyLock;

use redis::Script;

/// Now on the server, in milliseconds.
macro_rules! now_ms {
    () => {
        "local t = redis.call('TIME')\nlocal now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    };
}

/// A permit of a fleet bulkhead: `KEYS[1]` a sorted set of leases (member: the lease's id, score:
/// its expiry in server milliseconds). Drops the expired leases, then adds one if fewer than
/// `ARGV[1]` are left. Returns `{1, 0}` when it did, `{0, ms}` with the time until the earliest
/// lease expires when it did not.
const ACQUIRE: &str = concat!(
    now_ms!(),
    r"
local limit = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  if redis.call('PTTL', KEYS[1]) < lease then
    redis.call('PEXPIRE', KEYS[1], lease)
  end
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(first[2]) - now
if wait < 1 then wait = 1 end
return {0, wait}
"
);

/// A lease of this process kept alive: `ARGV[2]`'s expiry moved to now + `ARGV[1]` ms, if it is
/// still there (a lease that expired while Redis was away is not brought back).
pub(crate) const RENEW: &str = concat!(
    now_ms!(),
    r"
local lease = tonumber(ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[2])
  if redis.call('PTTL', KEYS[1]) < lease then
    redis.call('PEXPIRE', KEYS[1], lease)
  end
  return 1
end
return 0
"
);

/// The live leases of a fleet bulkhead.
const COUNT: &str = concat!(
    now_ms!(),
    r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
"
);

/// GCRA on one key: `KEYS[1]` holds the theoretical arrival time (TAT) in server microseconds.
/// `ARGV[1]` the interval, `ARGV[2]` the tolerance (`(burst - 1) × interval`), `ARGV[3]` the
/// longest wait the call accepts, all in microseconds. Returns `{1, wait}`: the slot is taken, and
/// starts `wait` µs from now; or `{0, wait}`: the slot is further than the call may wait, nothing
/// taken. The key expires when the limit is idle again.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then
  return {0, wait}
end
local new = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.floor((new - now) / 1000) + 1)
return {1, wait}
";

static ACQUIRE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(ACQUIRE));
static COUNT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(COUNT));
static GCRA_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(GCRA));

pub(crate) fn acquire() -> &'static Script {
    &ACQUIRE_SCRIPT
}

pub(crate) fn count() -> &'static Script {
    &COUNT_SCRIPT
}

pub(crate) fn gcra() -> &'static Script {
    &GCRA_SCRIPT
}
