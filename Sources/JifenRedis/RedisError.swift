/// Everything that can go wrong talking to Redis. A Redis error reply (`-ERR …`) is a
/// ``Code/reply`` error, never a crash; I/O failures close the connection so the next
/// command reconnects.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }

        /// Redis answered with an error reply.
        public static let reply = Code("reply")
        /// Could not connect, or the connection broke (timeout, EOF, protocol error).
        public static let connection = Code("connection")
        /// The URL or settings are unusable.
        public static let configuration = Code("configuration")

        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "redis \(code): \(message)" }
}
