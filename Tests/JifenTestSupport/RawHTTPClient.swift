import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 client on one keep-alive TCP connection, for tests that must tell apart
/// what happened to each request on the wire — answered, never sent (the connection was
/// refused), or sent and then cut without an answer (reset) — which a pooled client hides
/// behind retries.
public final class RawHTTPConnection {
    public enum Outcome: Sendable, Equatable {
        /// A complete response; `closes` when it said `Connection: close`.
        case answered(status: Int, closes: Bool, body: String)
        /// The connection could not be opened: nothing was sent.
        case refused
        /// The request was written, and the connection ended without a complete response.
        case reset(String)
    }

    let port: Int
    var descriptor: Int32 = -1

    public init(port: Int) { self.port = port }

    /// Whether a connection is open: the next request reuses it rather than connecting anew.
    public var isOpen: Bool { descriptor >= 0 }

    deinit { close() }

    public func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    func connect() -> Bool {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { return false }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socketDescriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            Glibc.close(socketDescriptor)
            return false
        }
        descriptor = socketDescriptor
        return true
    }

    /// Sends one request and returns the status (-1: refused or reset), headers (lower-case
    /// names) and body.
    public func sendWithHeaders(method: String, path: String, headers: [String: String], body: String = "")
        -> (status: Int, headers: [String: String], body: String)
    {
        switch exchange(method: method, path: path, headers: headers, body: body) {
        case .answered(let response): return response
        case .failed(let outcome): return (-1, [:], "\(outcome)")
        }
    }

    /// Sends one request (opening the connection if needed) and reads its response.
    public func send(method: String, path: String, headers: [String: String], body: String = "") -> Outcome {
        switch exchange(method: method, path: path, headers: headers, body: body) {
        case .answered(let response):
            return .answered(
                status: response.status,
                closes: response.headers["connection"]?.lowercased() == "close",
                body: response.body
            )
        case .failed(let outcome): return outcome
        }
    }

    enum Exchange {
        case answered((status: Int, headers: [String: String], body: String))
        case failed(Outcome)
    }

    func exchange(method: String, path: String, headers: [String: String], body: String) -> Exchange {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return exchange(raw: Array((head + "\r\n" + body).utf8))
    }

    /// Writes `bytes` as they are (a hand-made request, e.g. chunked) and reads one response.
    public func sendRaw(_ bytes: [UInt8]) -> (status: Int, headers: [String: String], body: String) {
        switch exchange(raw: bytes) {
        case .answered(let response): return response
        case .failed(let outcome): return (-1, [:], "\(outcome)")
        }
    }

    func exchange(raw bytes: [UInt8]) -> Exchange {
        if descriptor < 0, !connect() { return .failed(.refused) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count <= 0 {
                close()
                // Nothing of it reached the server if the first write failed on a dead socket,
                // but a keep-alive connection the server had already closed looks the same:
                // counted as a reset, the case the drain must avoid.
                return .failed(.reset("write failed: errno \(errno)"))
            }
            written += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            if let response = Self.parse(received) {
                if response.headers["connection"]?.lowercased() == "close" { close() }
                return .answered(response)
            }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 {
                let error = errno
                close()
                return .failed(
                    .reset(count == 0 ? "connection closed after \(received.count) bytes" : "recv errno \(error)")
                )
            }
            received.append(contentsOf: buffer[0..<count])
        }
    }

    /// A complete response in `bytes`, if there is one (Content-Length bodies only).
    static func parse(_ bytes: [UInt8]) -> (status: Int, headers: [String: String], body: String)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4,
            let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        guard let statusLine = lines.first, statusLine.count >= 12, let status = Int(statusLine.dropFirst(9).prefix(3))
        else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        guard bytes.count >= end + 4 + length else { return nil }
        return (status, headers, String(decoding: bytes[(end + 4)..<(end + 4 + length)], as: UTF8.self))
    }
}

/// Runs blocking socket work on a thread of its own: on Swift's cooperative pool (one thread per
/// core, two here) a blocked call would stall every other test of the process.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}

extension RawHTTPConnection {
    /// One request on a fresh connection, off the cooperative pool.
    public static func request(
        port: Int,
        method: String,
        path: String,
        headers: [String: String] = [:],
        body: String = ""
    ) async -> (status: Int, headers: [String: String], body: String) {
        await offThePool {
            let connection = RawHTTPConnection(port: port)
            defer { connection.close() }
            return connection.sendWithHeaders(method: method, path: path, headers: headers, body: body)
        }
    }

    /// Hand-made bytes on a fresh connection, off the cooperative pool.
    public static func request(port: Int, raw: [UInt8]) async -> (status: Int, headers: [String: String], body: String)
    {
        await offThePool {
            let connection = RawHTTPConnection(port: port)
            defer { connection.close() }
            return connection.sendRaw(raw)
        }
    }
}
