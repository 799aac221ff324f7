import CHiredis
import Foundation

/// One blocking hiredis connection. Not thread-safe: one caller at a time, on a thread that
/// may block (``RedisClient`` runs it on a thread pool, never on Swift's cooperative pool).
///
/// Connects lazily and drops the socket on any I/O error, so the next command reconnects.
public final class RedisConnection: @unchecked Sendable {
    public let configuration: RedisConfiguration
    private var context: UnsafeMutablePointer<redisContext>?

    public init(configuration: RedisConfiguration) {
        self.configuration = configuration
    }

    deinit { close() }

    public var isConnected: Bool { context != nil }

    public func close() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Sends one command, argv-style (hiredis' variadic `redisCommand` does not import).
    /// A Redis error reply is thrown as ``RedisError/Code/reply``.
    @discardableResult
    public func command(_ arguments: [String]) throws(RedisError) -> RedisValue {
        try command(arguments.map { Array($0.utf8) })
    }

    @discardableResult
    public func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisValue {
        let context = try connected()
        let value = try Self.send(arguments, on: context)
        guard let value else {
            let message = Self.errorText(context)
            close()
            throw RedisError(.connection, message)
        }
        if case .error(let message) = value { throw RedisError(.reply, message) }
        return value
    }

    /// Sends several commands in one round trip (pipelining) and returns their replies in
    /// order. An error reply stays in the array as `.error`, so one failed command does not hide
    /// the others' results.
    public func pipeline(_ commands: [[String]]) throws(RedisError) -> [RedisValue] {
        let context = try connected()
        for command in commands {
            let arguments = command.map { Array($0.utf8) }
            let appended = Self.withArgv(arguments) { count, argv, lengths in
                redisAppendCommandArgv(context, count, argv, lengths)
            }
            guard appended == REDIS_OK else {
                let message = Self.errorText(context)
                close()
                throw RedisError(.connection, message)
            }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                let message = Self.errorText(context)
                close()
                throw RedisError(.connection, message)
            }
            replies.append(Self.decode(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return replies
    }

    private func connected() throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        if let context { return context }
        guard
            let context = redisConnectWithTimeout(
                configuration.host,
                Int32(configuration.port),
                Self.timeval(configuration.connectTimeout)
            )
        else { throw RedisError(.connection, "cannot allocate a hiredis context") }
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            redisFree(context)
            throw RedisError(.connection, "cannot connect to \(configuration.host):\(configuration.port): \(message)")
        }
        _ = redisSetTimeout(context, Self.timeval(configuration.commandTimeout))
        self.context = context
        do {
            if let password = configuration.password {
                var auth = ["AUTH"]
                if let username = configuration.username { auth.append(username) }
                auth.append(password)
                try command(auth)
            }
            if configuration.database != 0 { try command(["SELECT", String(configuration.database)]) }
        } catch {
            close()
            throw error
        }
        return context
    }

    /// `nil` when hiredis returned no reply: the connection is broken.
    private static func send(_ arguments: [[UInt8]], on context: UnsafeMutablePointer<redisContext>) throws(RedisError)
        -> RedisValue?
    {
        let raw = withArgv(arguments) { count, argv, lengths in
            redisCommandArgv(context, count, argv, lengths)
        }
        guard let raw else { return nil }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return decode(reply)
    }

    /// Lends hiredis an argv of (pointer, length) pairs: the bytes need no NUL terminator and may
    /// hold binary data.
    private static func withArgv<R>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int>?) -> R
    ) -> R {
        let lengths = arguments.map { $0.count }
        let copies: [UnsafeMutablePointer<CChar>] = arguments.map { bytes in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { pointer.initialize(from: base, count: bytes.count) }
                }
            }
            return pointer
        }
        defer { copies.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        return lengths.withUnsafeBufferPointer { lengthBuffer in
            argv.withUnsafeMutableBufferPointer { argvBuffer in
                body(Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
            }
        }
    }

    /// Turns hiredis' reply tree into a value; visible for the decoding tests.
    static func decode(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STATUS: return .status(text(node))
        case REDIS_REPLY_ERROR: return .error(text(node))
        case REDIS_REPLY_INTEGER: return .integer(Int64(node.integer))
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_STRING:
            guard let str = node.str else { return .bulk([]) }
            return .bulk(Array(UnsafeRawBufferPointer(start: str, count: Int(node.len))))
        case REDIS_REPLY_ARRAY:
            var values: [RedisValue] = []
            values.reserveCapacity(Int(node.elements))
            for index in 0..<Int(node.elements) {
                if let child = node.element?[index] { values.append(decode(child)) } else { values.append(.null) }
            }
            return .array(values)
        default:
            return .error("unknown reply type \(node.type)")
        }
    }

    private static func text(_ node: redisReply) -> String {
        guard let str = node.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: str, count: Int(node.len)), as: UTF8.self)
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { buffer in
            let bytes = buffer.prefix { $0 != 0 }
            return bytes.isEmpty ? "connection lost" : String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func timeval(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
