import Dispatch
import NIOCore
import NIOPosix

/// NIO's shared event loops, handed out in turn even to a caller on one of them. postgres-nio
/// opens each pooled connection on `group.any()`, which prefers the caller's own loop; with
/// Swift's tasks running on the loops (docs/architecture.md, Threads) every connection then
/// landed on the loop that happened to open it, and a worker did 70 % of its work on one of its
/// two threads (perf, issue 16). Spread, the connections — and the tasks that resume on them —
/// use every loop.
public final class SpreadEventLoops: EventLoopGroup {
    let base: MultiThreadedEventLoopGroup

    public init(_ base: MultiThreadedEventLoopGroup = .singleton) { self.base = base }

    public func next() -> any EventLoop { base.next() }

    public func any() -> any EventLoop { base.next() }

    public func makeIterator() -> EventLoopIterator { base.makeIterator() }

    /// The shared group outlives its users: shutting it down is not theirs to do.
    public func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        queue.async { callback(nil) }
    }
}
