import Foundation
import NIOCore
import NIOPosix

// Swift's tasks run on NIO's event loops instead of a pool of their own (docs/architecture.md,
// Processes). Every `await` on PostgreSQL or on an HTTP channel otherwise resumes on another
// thread: a request of a dozen round trips made two dozen thread switches, which perf showed as
// the largest single cost of `jifen serve` (kernel scheduling, a third of its CPU). The loops are
// sticky: a task resumed by a connection's loop stays on it. Nothing here may block a thread;
// hiredis and getaddrinfo run on NIOThreadPool for that reason. `TASK_EXECUTOR=swift` keeps
// Swift's own pool (to compare, or if a library that blocks is added).
if ProcessInfo.processInfo.environment["TASK_EXECUTOR"] != "swift" {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}
await start()

/// In an async function the command's async `main` is chosen (top-level code picks the
/// synchronous one, which cannot run an async command).
func start() async { await Jifen.main() }
