import Foundation
import NIOCore

/// Which webhook targets may be called: not loopback, private, link-local or otherwise
/// internal addresses (a shop's endpoint must never reach into the operator's network), unless
/// `ALLOW_PRIVATE_WEBHOOKS=1` (tests and local development).
///
/// The check resolves the host once and hands back the address it checked: the dispatcher
/// connects to that address (the URL's name still goes in `Host` and TLS SNI), never to a
/// fresh lookup of the name, which a DNS server could answer with an internal address the
/// second time (DNS rebinding).
public struct AddressPolicy: Sendable {
    public var allowPrivate: Bool
    public var resolver: any HostResolver

    public init(allowPrivate: Bool, resolver: any HostResolver = SystemResolver()) {
        self.allowPrivate = allowPrivate
        self.resolver = resolver
    }

    /// Where an attempt goes: the URL as the shop gave it, and the one address to connect to.
    public struct Target: Sendable {
        public var url: String
        /// The URL's host as the HTTP client reads it (no brackets around an IPv6 literal).
        public var host: String
        public var address: SocketAddress
        /// Whether `host` is a name (then the connection is pinned to `address`), not a literal.
        public var isName: Bool

        /// `192.0.2.1:443`, `[2001:db8::1]:443`: for the delivery log and the logs.
        public var addressDescription: String {
            let ip = address.ipAddress ?? "?"
            let port = address.port.map(String.init) ?? "?"
            return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
        }
    }

    public enum Verdict: Sendable {
        case allowed(Target)
        /// Never to be called (not http(s), or an internal address).
        case refused(String)
        /// The name does not resolve now; it may later.
        case unresolved(String)
    }

    /// Whether `url` may be called, and where. A name is resolved once: every address it has
    /// must be public, and the first is the one to connect to.
    public func check(_ url: String) async -> Verdict {
        // Parsed the way AsyncHTTPClient parses it, so the name pinned here is the name it sees.
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let rawHost = parsed.host, !rawHost.isEmpty
        else { return .refused("not an http(s) URL") }
        let host =
            rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { return .refused("port \(port) is out of range") }

        let addresses: [SocketAddress]
        let isName: Bool
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            addresses = [literal]
            isName = false
        } else {
            addresses = (try? await resolver.resolve(host: host, port: port)) ?? []
            isName = true
        }
        guard let first = addresses.first else { return .unresolved("cannot resolve \(host)") }
        if !allowPrivate {
            for address in addresses where Self.isInternal(address) {
                return .refused(
                    "\(host) resolves to an internal address (\(address.ipAddress ?? "?")); "
                        + "set ALLOW_PRIVATE_WEBHOOKS=1 to allow it"
                )
            }
        }
        return .allowed(Target(url: url, host: host, address: first, isName: isName))
    }

    /// Loopback, unspecified, private, shared (CGNAT), link-local, multicast or reserved, or an
    /// IPv6 form that embeds or translates to such an IPv4 address. Decided on the address's
    /// bytes, not its text, so no spelling (`::ffff:7f00:1`, `0:0::1`) slips through.
    public static func isInternal(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4):
            return isInternal(ipv4: withUnsafeBytes(of: v4.address.sin_addr) { Array($0) })
        case .v6(let v6):
            return isInternal(ipv6: withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) })
        case .unixDomainSocket:
            return true
        }
    }

    static func isInternal(ipv4 b: [UInt8]) -> Bool {
        guard b.count == 4 else { return true }
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true
        case (100, 64...127): return true  // shared address space (carrier-grade NAT)
        case (169, 254), (192, 168), (198, 18), (198, 19): return true
        case (172, 16...31): return true
        case (192, 0) where b[2] == 0: return true  // IETF protocol assignments
        default: return b[0] >= 224  // multicast, reserved, broadcast
        }
    }

    static func isInternal(ipv6 b: [UInt8]) -> Bool {
        guard b.count == 16 else { return true }
        let head = b.prefix(12)
        // ::/96 (unspecified, loopback, deprecated IPv4-compatible) and ::ffff:0:0/96 (mapped).
        if head.allSatisfy({ $0 == 0 }) { return true }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
            return isInternal(ipv4: Array(b[12..<16]))
        }
        // NAT64 (64:ff9b::/96, 64:ff9b:1::/48) reaches IPv4 through the operator's gateway.
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b { return true }
        // 6to4 (2002::/16) embeds an IPv4 address; Teredo (2001::/32) tunnels to one.
        if b[0] == 0x20 && b[1] == 0x02 { return isInternal(ipv4: Array(b[2..<6])) }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0 { return true }
        if b[0] == 0x01 && b[1..<8].allSatisfy({ $0 == 0 }) { return true }  // 100::/64, discard
        if b[0] & 0xfe == 0xfc { return true }  // fc00::/7, unique local
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return true }  // fe80::/10, link-local
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return true }  // fec0::/10, old site-local
        return b[0] == 0xff  // multicast
    }
}
