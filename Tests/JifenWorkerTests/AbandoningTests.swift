import NIOConcurrencyHelpers
import Testing

@testable import JifenWorker

/// The relay's guard against a round that never ends.
@Suite struct AbandoningTests {
    @Test func aFinishedOperationGivesItsResult() async throws {
        let value = try await abandoning(after: .seconds(30)) { 42 }
        #expect(value == 42)
        await #expect(throws: CancellationError.self) {
            _ = try await abandoning(after: .seconds(30)) { () async throws -> Int in throw CancellationError() }
        }
    }

    @Test func anOperationThatNeverEndsIsAbandonedAndCancelled() async throws {
        let cancelled = NIOLockedValueBox(false)
        let release = AsyncStream<Void>.makeStream()
        await #expect(throws: StalledError.self) {
            _ = try await abandoning(after: .milliseconds(200)) { () async -> Int in
                // Stands in for a call stuck on a dead connection: ends only when released.
                await withTaskCancellationHandler {
                    for await _ in release.stream { break }
                } onCancel: {
                    cancelled.withLockedValue { $0 = true }
                }
                return 0
            }
        }
        #expect(cancelled.withLockedValue { $0 })
        release.continuation.finish()
    }
}
