import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// TCP ports for the servers tests start (`jifen serve`, private Redis and PostgreSQL).
///
/// Picked below the kernel's ephemeral range (32768–60999 on Linux), so no outgoing connection
/// of this or any process can be holding one, and handed out once per test process, so two
/// tests running in parallel never get the same one; each is checked free before it is given.
/// (Asking the kernel for port 0 and closing it again, as before, returned ephemeral ports
/// that a parallel test's client connection could take before the server bound them.)
public enum TestPorts {
    static let range = 20_000..<32_000
    private static let next = Mutex(
        20_000 + Int(getpid() % 400) * 29 + Int.random(in: 0..<29)
    )

    public static func reserve() throws -> Int {
        for _ in 0..<2_000 {
            let port = next.withLock { value -> Int in
                let port = value
                value = value + 1 >= range.upperBound ? range.lowerBound : value + 1
                return port
            }
            if isFree(port) { return port }
        }
        throw ProcessHarnessError(description: "no free TCP port in \(range)")
    }

    /// Bindable on 127.0.0.1 now (with SO_REUSEADDR, as servers bind).
    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
