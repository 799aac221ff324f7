/// The queue's moves, each one atomic Lua script: a job is always in exactly one place (ready in
/// its tenant's list, running, delayed, or dead), never lost between two commands.
///
/// Layout under the queue's hash tag `R` (``QueueKeys/root``), per lane `L` and tenant `T`:
/// - `R:entries` hash, token → `L|T|job`: every ready or running job;
/// - `R:lane:L:t:T` list of tokens: T's ready jobs in L, oldest first;
/// - `R:lane:L:ring` list of tenants whose turn is coming (each at most once), and
///   `R:lane:L:members` the set of tenants with ready jobs in L (in the ring or parked);
/// - `R:lane:L:parked` set: tenants at their running cap, back in the ring when one of their
///   jobs ends;
/// - `R:lane:L:ages` zset token → ready since (ms): depth and oldest age per lane;
/// - `R:running` hash `L|T` → running jobs; `R:inflight` zset token → taken at (ms);
/// - `R:delayed` zset `L|T|job` → due (ms); `R:dead` stream; `R:seq` the token counter;
/// - `R:wake` a short list idle workers block on (`BLPOP`): one entry per new ready job, capped.
///
/// Every script gets `R` as `ARGV[1]` and the entries hash as `KEYS[1]` (the other keys are in the
/// same slot, named from `R`).
enum QueueScripts {
    /// Helpers every script starts with.
    static let prelude = """
        local R = ARGV[1]
        local function lanekey(lane, suffix) return R .. ':lane:' .. lane .. ':' .. suffix end
        -- `lane|tenant|job`; nil for anything else (a delayed job written before lanes, which is
        -- the bare job: promote sends those to the background lane).
        local function split(value)
            return string.match(value, '^([a-z]+)|([0-9a-f%-]+)|(.*)$')
        end
        local function ready(lane, tenant, token, since, front)
            local list = lanekey(lane, 't:' .. tenant)
            if front then redis.call('LPUSH', list, token) else redis.call('RPUSH', list, token) end
            redis.call('ZADD', lanekey(lane, 'ages'), since, token)
            if redis.call('SADD', lanekey(lane, 'members'), tenant) == 1 then
                redis.call('RPUSH', lanekey(lane, 'ring'), tenant)
            end
        end
        local function push(lane, tenant, job, now)
            local token = tostring(redis.call('INCR', R .. ':seq'))
            redis.call('HSET', KEYS[1], token, lane .. '|' .. tenant .. '|' .. job)
            ready(lane, tenant, token, now, false)
        end
        local function wake(count)
            if count <= 0 then return end
            local marks = {}
            for i = 1, math.min(count, 64) do marks[i] = '1' end
            redis.call('RPUSH', R .. ':wake', unpack(marks))
            redis.call('LTRIM', R .. ':wake', -64, -1)
        end
        -- A running job leaves (done, retried or buried): its tenant's running count drops and,
        -- if the tenant was parked at its cap, it gets its turn back. Returns `L|T|job` or nil
        -- (already settled, e.g. by the worker that reclaimed it).
        local function settle(token)
            local value = redis.call('HGET', KEYS[1], token)
            if not value then return nil end
            redis.call('HDEL', KEYS[1], token)
            redis.call('ZREM', R .. ':inflight', token)
            local lane, tenant = split(value)
            if lane then
                local key = lane .. '|' .. tenant
                if redis.call('HINCRBY', R .. ':running', key, -1) <= 0 then
                    redis.call('HDEL', R .. ':running', key)
                end
                if redis.call('SREM', lanekey(lane, 'parked'), tenant) == 1 then
                    redis.call('RPUSH', lanekey(lane, 'ring'), tenant)
                end
            end
            return value
        end

        """

    /// ARGV: R, now (ms), then per job: lane, tenant, job, due (ms; 0 = now). Ready jobs go to
    /// their tenant's list, future ones to the delayed set.
    static let enqueue =
        prelude + """
            local now = tonumber(ARGV[2])
            local woken = 0
            for i = 3, #ARGV, 4 do
                local lane, tenant, job, due = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
                if due > now then
                    redis.call('ZADD', R .. ':delayed', due, lane .. '|' .. tenant .. '|' .. job)
                else
                    push(lane, tenant, job, now)
                    woken = woken + 1
                end
            end
            wake(woken)
            return woken
            """

    /// ARGV: R, now (ms), most jobs in all, then per lane in the order to serve them: lane, how
    /// many, cap per tenant. Takes up to that many jobs from the lane, one per tenant in turn; a
    /// tenant at its cap is parked instead. Returns `[token, L|T|job, …]`.
    ///
    /// Each turn either takes a job or removes a tenant from the ring, so a call ends after at
    /// most `how many` + ring length turns.
    static let take =
        prelude + """
            local now = tonumber(ARGV[2])
            local limit = tonumber(ARGV[3])
            local out = {}
            for i = 4, #ARGV, 3 do
                local lane, wanted, cap = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
                local ring = lanekey(lane, 'ring')
                local got = 0
                while got < wanted and #out < 2 * limit do
                    local tenant = redis.call('LPOP', ring)
                    if not tenant then break end
                    local key = lane .. '|' .. tenant
                    local running = tonumber(redis.call('HGET', R .. ':running', key) or '0')
                    local list = lanekey(lane, 't:' .. tenant)
                    if running >= cap then
                        redis.call('SADD', lanekey(lane, 'parked'), tenant)
                    else
                        local token = redis.call('LPOP', list)
                        if redis.call('LLEN', list) > 0 then
                            redis.call('RPUSH', ring, tenant)
                        else
                            redis.call('SREM', lanekey(lane, 'members'), tenant)
                        end
                        if token then
                            redis.call('ZREM', lanekey(lane, 'ages'), token)
                            local value = redis.call('HGET', KEYS[1], token)
                            if value then
                                redis.call('ZADD', R .. ':inflight', now, token)
                                redis.call('HINCRBY', R .. ':running', key, 1)
                                out[#out + 1] = token
                                out[#out + 1] = value
                                got = got + 1
                            end
                        end
                    end
                end
            end
            return out
            """

    /// ARGV: R, token. The job is done.
    static let ack =
        prelude + """
            if settle(ARGV[2]) then return 1 end
            return 0
            """

    /// ARGV: R, token, due (ms), the job to run then (`L|T|job`, its attempt incremented).
    static let retry =
        prelude + """
            if not settle(ARGV[2]) then return 0 end
            redis.call('ZADD', R .. ':delayed', ARGV[3], ARGV[4])
            return 1
            """

    /// ARGV: R, token, job (as delivered), error, failed at (ms). The job failed its last
    /// attempt: to the dead-letter stream.
    static let bury =
        prelude + """
            settle(ARGV[2])
            return redis.call('XADD', R .. ':dead', '*', 'job', ARGV[3], 'error', ARGV[4], 'failed_at', ARGV[5])
            """

    /// ARGV: R, now (ms), limit. Due retries become ready again.
    static let promote =
        prelude + """
            local now = tonumber(ARGV[2])
            local due = redis.call('ZRANGEBYSCORE', R .. ':delayed', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
            for _, entry in ipairs(due) do
                local lane, tenant, job = split(entry)
                if lane then push(lane, tenant, job, now) else push('background', '-', entry, now) end
                redis.call('ZREM', R .. ':delayed', entry)
            end
            wake(#due)
            return #due
            """

    /// ARGV: R, now (ms), taken before (ms), limit. Jobs running since before the visibility
    /// timeout (their worker died or hangs) are handed to the caller, their clock restarted.
    /// Returns `[token, L|T|job, …]`.
    static let reclaim =
        prelude + """
            local now = tonumber(ARGV[2])
            local stale = redis.call('ZRANGEBYSCORE', R .. ':inflight', '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
            local out = {}
            for _, token in ipairs(stale) do
                local value = redis.call('HGET', KEYS[1], token)
                if value then
                    redis.call('ZADD', R .. ':inflight', now, token)
                    out[#out + 1] = token
                    out[#out + 1] = value
                else
                    redis.call('ZREM', R .. ':inflight', token)
                end
            end
            return out
            """

    /// ARGV: R, dead entry id, now (ms), lane, tenant, job (attempt reset). Runs a dead job again.
    static let resurrect =
        prelude + """
            if redis.call('XDEL', R .. ':dead', ARGV[2]) == 0 then return 0 end
            push(ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[3]))
            wake(1)
            return 1
            """
}
