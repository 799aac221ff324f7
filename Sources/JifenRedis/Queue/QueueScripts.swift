/// Lua scripts for the moves that must be atomic: a job is always in exactly one place
/// (ready stream, delayed set, or dead stream), never lost between two commands.
enum QueueScripts {
    /// KEYS: stream. ARGV: group, entry id. Acknowledge and delete a finished job.
    static let ack = """
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        return redis.call('XDEL', KEYS[1], ARGV[2])
        """

    /// KEYS: stream, delayed. ARGV: group, entry id, due (ms), job. Move a failed job to the
    /// delayed set for a later attempt.
    static let retry = """
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        return redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        """

    /// KEYS: stream, dead. ARGV: group, entry id, job, error, failed at (ms). Move a job that
    /// failed its last attempt to the dead-letter stream.
    static let bury = """
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        return redis.call('XADD', KEYS[2], '*', 'job', ARGV[3], 'error', ARGV[4], 'failed_at', ARGV[5])
        """

    /// KEYS: delayed, stream. ARGV: now (ms), limit. Move due jobs back to the stream.
    static let promote = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
        for _, job in ipairs(due) do
            redis.call('XADD', KEYS[2], '*', 'job', job)
            redis.call('ZREM', KEYS[1], job)
        end
        return #due
        """

    /// KEYS: dead, stream. ARGV: dead entry id, job with its attempt reset. Run a dead job again.
    static let resurrect = """
        if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('XADD', KEYS[2], '*', 'job', ARGV[2])
        return 1
        """
}
