import Foundation
import NIOCore
import NIOPosix

/// Which webhook targets may be called: not loopback, private, link-local or otherwise
/// internal addresses (a shop's endpoint must never reach into the operator's network), unless
/// `ALLOW_PRIVATE_WEBHOOKS=1` (tests and local development).
public struct AddressPolicy: Sendable {
    public var allowPrivate: Bool

    public init(allowPrivate: Bool) { self.allowPrivate = allowPrivate }

    public enum Verdict: Sendable, Equatable {
        case allowed
        /// Never to be called (not http(s), or an internal address).
        case refused(String)
        /// The name does not resolve now; it may later.
        case unresolved(String)
    }

    /// Whether `url` may be called. Resolves the host: every address it has must be public.
    public func check(_ url: String) async -> Verdict {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else { return .refused("not an http(s) URL") }
        if allowPrivate { return .allowed }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let addresses = (try? await Self.resolve(host: host, port: port)) ?? []
        guard !addresses.isEmpty else { return .unresolved("cannot resolve \(host)") }
        for address in addresses where Self.isInternal(address) {
            return .refused("\(host) resolves to an internal address; set ALLOW_PRIVATE_WEBHOOKS=1 to allow it")
        }
        return .allowed
    }

    static func resolve(host: String, port: Int) async throws -> [SocketAddress] {
        // getaddrinfo blocks: keep it off the cooperative pool.
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

    static func isInternal(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return true }
        if ip.contains(":") {
            let lower = ip.lowercased()
            if lower == "::1" || lower == "::" { return true }
            if lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("fe8") || lower.hasPrefix("fe9")
                || lower.hasPrefix("fea") || lower.hasPrefix("feb")
            {
                return true
            }
            if lower.hasPrefix("::ffff:") { return isInternalIPv4(String(lower.dropFirst(7))) }
            if lower.hasPrefix("64:ff9b:") { return true }
            return false
        }
        return isInternalIPv4(ip)
    }

    static func isInternalIPv4(_ ip: String) -> Bool {
        let octets = ip.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return true }
        switch (octets[0], octets[1]) {
        case (0, _), (10, _), (127, _): return true
        case (169, 254), (192, 168), (198, 18), (198, 19): return true
        case (192, 0) where octets[2] == 0: return true
        case (172, 16...31): return true
        case (100, 64...127): return true
        default: return octets[0] >= 224
        }
    }
}
