import Foundation
import JifenRedis

#if canImport(Glibc)
    import Glibc
#endif

/// A child process of the test: a real `jifen work`, or a private `redis-server`.
///
/// Spawned with `posix_spawn` and reaped with `waitpid`: Foundation's `Process` does not
/// reliably notice a child's exit here (`isRunning` stays true, `waitUntilExit` spins).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    let logFile: URL
    private var status: Int32?

    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:], name: String) throws
    {
        logFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("jifen-test-\(name)-\(UUID().uuidString.prefix(8)).log")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }.map { "\($0)=\($1)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // The child would inherit this thread's signal mask, and test threads may block
        // SIGTERM: start it with nothing blocked and default handlers, like a shell would.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw ProcessHarnessError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// Reaps the child if it has exited; true while it runs.
    public var isRunning: Bool {
        if status != nil { return false }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return result == 0 }
        // WIFEXITED / WEXITSTATUS, spelled out: the C macros do not import.
        status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return false
    }

    /// SIGKILL: the process gets no chance to clean up, like a crashed container.
    public func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        var raw: Int32 = 0
        if status == nil, waitpid(pid, &raw, 0) == pid { status = 128 + SIGKILL }
    }

    /// SIGTERM, then waits up to `deadline` for the exit; returns the exit status, or nil if it
    /// did not exit in time (it is then killed).
    public func terminate(deadline: Duration = .seconds(15)) async throws -> Int32? {
        _ = Glibc.kill(pid, SIGTERM)
        guard try await eventually(timeout: deadline, { !self.isRunning }) else {
            kill()
            return nil
        }
        return status
    }

    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits for the exit (polling) and returns the status; nil if still running at `deadline`.
    public func exitStatus(within deadline: Duration) async throws -> Int32? {
        guard try await eventually(timeout: deadline, { !self.isRunning }) else { return nil }
        return status
    }
}

/// The `jifen` binary `make test` built next to the tests.
public func jifenBinary() -> String {
    TestServers.shared.repositoryRoot.appendingPathComponent(".build/debug/jifen").path
}

/// A `redis-server` of the test's own, with an append-only file so a restart keeps its data,
/// as a production Redis does.
public final class PrivateRedis: @unchecked Sendable {
    public let port: Int
    let directory: URL
    public private(set) var server: ChildProcess?

    /// Where clients should connect.
    public var configuration: RedisConfiguration { RedisConfiguration(host: "127.0.0.1", port: port) }

    public init() throws {
        port = try TestPorts.reserve()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "jifen-redis-\(port)-\(UUID().uuidString.prefix(6))"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func start() async throws {
        let server = try ChildProcess(
            executable: Self.redisServer(),
            arguments: [
                "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "",
                "--appendonly", "yes", "--appendfsync", "always",
            ],
            name: "redis-\(port)"
        )
        self.server = server
        let client = try RedisClientProbe(port: port)
        guard try await eventually(timeout: .seconds(10), { await client.answers() }) else {
            throw ProcessHarnessError(description: "private redis-server did not start: \(server.log)")
        }
    }

    public func stop() async throws {
        _ = try await server?.terminate()
        server = nil
    }

    public static func redisServer() -> String {
        for candidate in ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "/usr/bin/redis-server"
    }
}

public struct ProcessHarnessError: Error, CustomStringConvertible {
    public init(description: String) { self.description = description }
    public var description: String
}

/// PINGs a port with a fresh connection each time.
public struct RedisClientProbe: Sendable {
    let configuration: RedisConfiguration

    public init(port: Int) throws {
        configuration = RedisConfiguration(host: "127.0.0.1", port: port, connectTimeout: .milliseconds(500))
    }

    public func answers() async -> Bool {
        let client = RedisClient(configuration: configuration)
        defer { client.shutdown() }
        return (try? await client.ping()) != nil
    }
}
