import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The request context of every Jifen route: Hummingbird's core storage and the peer address.
///
/// Per-request facts that generated OpenAPI handlers need (who is calling, the request id)
/// travel in ``RequestScope``, a task-local, because those handlers never see the context.
public struct JifenRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer (IP address), for limits on failed authentication.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies are collected by ``BodyLimitMiddleware`` at the API's own 1 MiB limit.
    public var maxUploadSize: Int { BodyLimitMiddleware<Self>.maxBodySize }

    /// Who failed authentication counts against: the peer, or — behind a proxy the operator
    /// trusts (`TRUST_FORWARDED_FOR`) — the address that proxy appended last.
    public func clientAddress(_ request: Request, trustForwardedFor: Bool) -> String {
        if trustForwardedFor, let forwarded = request.headers[.xForwardedFor],
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        {
            return last
        }
        return remoteAddress ?? "unknown"
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
