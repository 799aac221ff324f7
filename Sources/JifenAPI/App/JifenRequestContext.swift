import Hummingbird

/// The request context of every Jifen route: Hummingbird's core storage and nothing else.
///
/// Per-request facts that generated OpenAPI handlers need (who is calling, the request id)
/// travel in ``RequestScope``, a task-local, because those handlers never see the context.
public struct JifenRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// Bodies are collected by ``BodyLimitMiddleware`` at the API's own 1 MiB limit.
    public var maxUploadSize: Int { BodyLimitMiddleware<Self>.maxBodySize }
}
