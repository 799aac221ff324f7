import Foundation
import NIOCore
import NIOPosix

/// Turns a webhook endpoint's host name into addresses. The dispatcher asks once per attempt,
/// checks every answer and connects to the one it checked, so what it checked is what it
/// calls (no second lookup a rebinding DNS server could answer differently).
public protocol HostResolver: Sendable {
    func resolve(host: String, port: Int) async throws -> [SocketAddress]
}

/// The system's resolver (`getaddrinfo`), on NIO's thread pool: it blocks.
public struct SystemResolver: HostResolver {
    public init() {}

    public func resolve(host: String, port: Int) async throws -> [SocketAddress] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return [] }
            defer { freeaddrinfo(result) }
            var addresses: [SocketAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let info = cursor {
                if let address = info.pointee.ai_addr {
                    switch Int32(address.pointee.sa_family) {
                    case AF_INET:
                        let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                        addresses.append(SocketAddress(ipv4, host: host))
                    case AF_INET6:
                        let ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                        addresses.append(SocketAddress(ipv6, host: host))
                    default: break
                    }
                }
                cursor = info.pointee.ai_next
            }
            return addresses
        }
    }
}
