import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A cancellable sleep on a NIO event loop's timer. `Task.sleep` arms a Dispatch timer, and
/// every transaction arms one for its acquire timeout (``Database/leased(on:_:)``), to
/// cancel it a millisecond later: the Dispatch threads that manage them took a tenth of a
/// worker's CPU (perf, issue 16). An event loop keeps its timers in a heap, on a thread that
/// runs anyway.
enum LoopTimer {
    private enum State {
        case waiting
        case armed(Scheduled<Void>)
        case cancelled
    }

    /// Returns after `duration`, or as soon as the task is cancelled.
    static func sleep(for duration: Duration) async {
        let state = NIOLockedValueBox(State.waiting)
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(
                    in: .nanoseconds(nanoseconds)
                ) {}
                // Runs once: when the timer fires, or when it is cancelled.
                scheduled.futureResult.whenComplete { _ in continuation.resume() }
                let cancelledAlready = state.withLockedValue { state -> Bool in
                    if case .cancelled = state { return true }
                    state = .armed(scheduled)
                    return false
                }
                if cancelledAlready { scheduled.cancel() }
            }
        } onCancel: {
            let armed = state.withLockedValue { state -> Scheduled<Void>? in
                defer { state = .cancelled }
                if case .armed(let scheduled) = state { return scheduled }
                return nil
            }
            armed?.cancel()
        }
    }
}
