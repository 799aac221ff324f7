import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Whether the API is stopping. Between SIGTERM and closing its connections the API keeps
/// serving, but answers every request with `Connection: close`, so each keep-alive client
/// learns from a response — never from a reset — that it must reconnect elsewhere. Only then
/// are idle connections closed (by the server's quiescing), when no client is still using one.
public final class DrainState: Sendable {
    private let draining = NIOLockedValueBox(false)

    public init() {}

    public var isDraining: Bool { draining.withLockedValue { $0 } }

    public func begin() { draining.withLockedValue { $0 = true } }
}

/// Adds `Connection: close` to every response once the API is draining (see ``DrainState``).
struct DrainMiddleware<Context: RequestContext>: RouterMiddleware {
    let state: DrainState

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        if state.isDraining { response.headers[.connection] = "close" }
        return response
    }
}

/// Holds back the server's "quiesce" from each connection for a notice period. The listening
/// socket closes at once on SIGTERM (new connections are refused, so nothing is sent that
/// could be lost), but an open keep-alive connection is not closed while idle: a client may be
/// writing its next request at that very moment, and would see a reset. During the notice
/// every response says `Connection: close` (``DrainMiddleware``), so clients leave by
/// themselves; then the event goes on and the remaining idle connections are closed.
final class QuiesceDelayHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never
    let notice: TimeAmount

    init(notice: TimeAmount) { self.notice = notice }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.assumeIsolated().scheduleTask(in: notice) {
            loopBound.value.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }
}
