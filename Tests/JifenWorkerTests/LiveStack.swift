import AsyncHTTPClient
import Foundation
import JifenClient
import JifenTestSupport
import OpenAPIAsyncHTTPClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Real `jifen serve` and `jifen work` processes against the test PostgreSQL and Redis, driven
/// through the client generated from the spec: what a shop's developer would run.
///
/// Each stack has its own queue and operator token; its workers are pinned to the tenants
/// the test made, so they never take other tests' jobs.
final class LiveStack: @unchecked Sendable {
    let port: Int
    let operatorToken = "live-operator-\(UUID().uuidString)"
    let queue = "live-\(UUID().uuidString.prefix(8))"
    var apis: [ChildProcess] = []
    var workers: [ChildProcess] = []
    let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
    /// Added to every process's environment (e.g. `LOG_FORMAT`).
    var extraEnvironment: [String: String] = [:]

    init() throws {
        self.port = try freePort()
        try #require(
            FileManager.default.isExecutableFile(atPath: jifenBinary()),
            "build first: swift build (make test does)"
        )
    }

    func baseURL(_ port: Int? = nil) -> URL { URL(string: "http://127.0.0.1:\(port ?? self.port)")! }

    var environment: [String: String] {
        [
            "PORT": "\(port)", "OPERATOR_TOKEN": operatorToken, "JOB_QUEUE": queue, "SCHEDULER_INTERVAL": "0",
            "LOG_LEVEL": "warning", "DRAIN_SECONDS": "10", "JOB_VISIBILITY_TIMEOUT": "3",
            "OPENAPI_SPEC": TestServers.shared.repositoryRoot.appendingPathComponent("openapi/openapi.yaml").path,
            "MIGRATIONS_DIR": TestServers.shared.repositoryRoot.appendingPathComponent("migrations").path,
        ].merging(extraEnvironment) { $1 }
    }

    /// Starts (or restarts) an API on `port` (the stack's own by default) and waits until it
    /// is ready.
    @discardableResult
    func startAPI(port: Int? = nil) async throws -> ChildProcess {
        let port = port ?? self.port
        let process = try ChildProcess(
            executable: jifenBinary(),
            arguments: ["serve"],
            environment: environment.merging(["PORT": "\(port)"]) { $1 },
            name: "live-api"
        )
        apis.append(process)
        let ready = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            (try? await self.get("/health/ready", port: port).status) == 200
        }
        try #require(ready, "the API did not become ready: \(process.log)")
        return process
    }

    /// Starts a worker for `tenants` with its metrics on `metricsPort`.
    @discardableResult
    func startWorker(tenants: [String], metricsPort: Int? = nil, concurrency: Int = 4) throws -> ChildProcess {
        var extra = ["WORKER_TENANTS": tenants.joined(separator: ","), "WORKER_CONCURRENCY": "\(concurrency)"]
        if let metricsPort { extra["METRICS_PORT"] = "\(metricsPort)" }
        let worker = try ChildProcess(
            executable: jifenBinary(),
            arguments: ["work"],
            environment: environment.merging(extra) { $1 },
            name: "live-worker"
        )
        workers.append(worker)
        return worker
    }

    func operatorClient() -> Client {
        JifenClient.make(baseURL: baseURL(), token: operatorToken, transport: transport)
    }

    func tenantClient(_ key: String, port: Int? = nil) -> Client {
        JifenClient.make(baseURL: baseURL(port), token: key, transport: transport)
    }

    var transport: AsyncHTTPClientTransport {
        AsyncHTTPClientTransport(configuration: .init(client: http, timeout: .seconds(30)))
    }

    /// A plain GET, for what the spec serves as text (probes, metrics).
    func get(_ path: String, port: Int? = nil) async throws -> (status: Int, body: String) {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port ?? self.port)\(path)")
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Runs `body` with a fresh stack and shuts it down afterwards, whether `body` failed or not.
    static func run(
        environment: [String: String] = [:],
        _ body: (LiveStack) async throws -> Void
    ) async throws {
        let stack = try LiveStack()
        stack.extraEnvironment = environment
        do {
            try await body(stack)
        } catch {
            await stack.shutdown()
            throw error
        }
        await stack.shutdown()
    }

    /// Stops every process (SIGTERM, then SIGKILL) and the HTTP client.
    func shutdown() async {
        for process in workers + apis where process.isRunning {
            _ = try? await process.terminate(deadline: .seconds(20))
        }
        try? await http.shutdown()
        // The stack's own queue keys: nothing else uses them.
        _ = try? await TestServers.shared.redis.send([
            "DEL", "{\(queue)}:jobs", "{\(queue)}:delayed", "{\(queue)}:dead",
        ])
    }
}

/// A TCP port for a server the test starts (see ``TestPorts``).
func freePort() throws -> Int { try TestPorts.reserve() }

/// One sample of a Prometheus exposition: `name{labels} value` lines by series.
struct MetricsSample {
    var series: [String: Double] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            series[String(line[..<space])] = value
        }
    }

    /// Families present, by name (histograms by their base name too).
    var families: Set<String> {
        Set(
            series.keys.map { key in
                let name = String(key.prefix { $0 != "{" })
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                    return String(name.dropLast(suffix.count))
                }
                return name
            }
        )
    }

    /// The sum over every series of `family` whose labels contain all of `labels`.
    func total(_ family: String, _ labels: [String] = []) -> Double {
        series.filter { key, _ in
            (key == family || key.hasPrefix(family + "{")) && labels.allSatisfy { key.contains($0) }
        }.values.reduce(0, +)
    }
}
