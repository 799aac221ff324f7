import Foundation
import JifenTestSupport
import Testing

@testable import JifenRedis

/// Talks to the real Redis of `make test`; keys are namespaced per test so tests run in
/// parallel.
@Suite struct RedisClientTests {
    let redis = TestServers.shared.redis
    let prefix = "test:\(UUID().uuidString):"

    @Test func decodesEveryReplyType() async throws {
        #expect(try await redis.send(["PING"]) == .status("PONG"))
        #expect(try await redis.send(["SET", prefix + "k", "v"]) == .status("OK"))
        #expect(try await redis.send(["GET", prefix + "k"]) == .bulk(Array("v".utf8)))
        #expect(try await redis.send(["GET", prefix + "missing"]) == .null)
        #expect(try await redis.send(["INCRBY", prefix + "n", "41"]) == .integer(41))
        #expect(try await redis.send(["SET", prefix + "empty", ""]) == .status("OK"))
        #expect(try await redis.send(["GET", prefix + "empty"]) == .bulk([]))
        let nested = try await redis.send(["EVAL", "return {1, 'two', {3, {'four'}}, false}", "0"])
        #expect(
            nested
                == .array([
                    .integer(1), .bulk(Array("two".utf8)), .array([.integer(3), .array([.bulk(Array("four".utf8))])]),
                    .null,
                ])
        )
        #expect(try await redis.send(["EVAL", "return redis.status_reply('FINE')", "0"]) == .status("FINE"))
        try await redis.send(["DEL", prefix + "k", prefix + "n", prefix + "empty"])
    }

    @Test func pipelinedRepliesComeBackInOrderWithErrorsInPlace() async throws {
        let replies = try await redis.pipeline([
            ["SET", prefix + "p", "1"], ["INCR", prefix + "p"], ["NOSUCHCOMMAND"], ["GET", prefix + "p"],
        ])
        #expect(replies.count == 4)
        #expect(replies[0] == .status("OK"))
        #expect(replies[1] == .integer(2))
        if case .error(let message) = replies[2] {
            #expect(message.contains("unknown command"))
        } else {
            Issue.record("expected an error reply, got \(replies[2])")
        }
        #expect(replies[3] == .bulk(Array("2".utf8)))
        #expect(try await redis.send(["DEL", prefix + "p"]) == .integer(1))
    }

    @Test func binarySafeValuesRoundTrip() async throws {
        let connection = RedisConnection(configuration: TestServers.shared.redisConfiguration)
        let bytes: [UInt8] = [0, 1, 2, 255, 10, 13, 0]
        try connection.command([Array("SET".utf8), Array((prefix + "bin").utf8), bytes])
        #expect(try connection.command(["GET", prefix + "bin"]) == .bulk(bytes))
        try connection.command(["DEL", prefix + "bin"])
    }

    @Test func anErrorReplyIsAThrownErrorAndTheConnectionStaysUsable() async throws {
        do {
            try await redis.send(["NOSUCHCOMMAND"])
            Issue.record("an error reply did not throw")
        } catch let error as RedisError {
            #expect(error.code == .reply)
            #expect(error.message.contains("unknown command"))
        }
        try await redis.send(["SET", prefix + "s", "text"])
        await #expect(throws: RedisError.self) { try await redis.send(["INCR", prefix + "s"]) }
        #expect(try await redis.send(["PING"]) == .status("PONG"))
        try await redis.send(["DEL", prefix + "s"])
    }

    @Test func aDroppedConnectionIsReestablished() async throws {
        let connection = RedisConnection(configuration: TestServers.shared.redisConfiguration)
        try connection.command(["CLIENT", "SETNAME", "jifen-test-victim"])
        let id = try #require(try connection.command(["CLIENT", "ID"]).integer)
        // Another client kills this one's socket, as a Redis restart or a proxy would.
        try await redis.send(["CLIENT", "KILL", "ID", String(id)])
        #expect(throws: RedisError.self) { try connection.command(["PING"]) }
        #expect(!connection.isConnected)
        #expect(try connection.command(["PING"]) == .status("PONG"))
        #expect(try connection.command(["CLIENT", "ID"]).integer != id)
    }

    @Test func anUnreachableServerIsAConnectionError() async throws {
        let client = RedisClient(
            configuration: RedisConfiguration(host: "127.0.0.1", port: 1, connectTimeout: .seconds(1))
        )
        do {
            try await client.ping()
            Issue.record("connected to port 1")
        } catch let error as RedisError {
            #expect(error.code == .connection)
        }
    }
}

@Suite struct RedisConfigurationTests {
    @Test func parsesURLs() throws {
        let full = try RedisConfiguration(url: "redis://:s%40cret@redis.internal:6380/3")
        #expect(full.host == "redis.internal")
        #expect(full.port == 6380)
        #expect(full.password == "s@cret")
        #expect(full.username == nil)
        #expect(full.database == 3)
        let user = try RedisConfiguration(url: "redis://jifen:pw@localhost")
        #expect(user.username == "jifen")
        #expect(user.port == 6379)
        #expect(user.database == 0)
    }

    @Test func refusesTLSWithAnExplanation() {
        do {
            _ = try RedisConfiguration(url: "rediss://managed.example.com:6380/0")
            Issue.record("accepted rediss://")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.contains("TLS"))
        }
    }

    @Test(arguments: ["http://localhost", "redis://", "redis://localhost/abc", "not a url"])
    func refusesMalformedURLs(url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
    }
}
