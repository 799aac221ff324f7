import NIOConcurrencyHelpers

/// The result of `operation`, or `StalledError` once `timeout` passes first — in which case
/// the operation is cancelled and left to finish (or fail) on its own instead of being awaited.
///
/// For loops that must keep going whatever one iteration does: a relay iteration stuck on a
/// connection that will never answer must not stop every later order from being relayed.
/// Transactions no longer write to a connection known to be closed
/// (PostgresConnection+checked.swift), but one that closes between that check and the write
/// can still never answer: this bounds what is left of that race for the relay. Only
/// for work that is safe to abandon (the relay's: an unfinished batch rolls back, and the rows
/// it locked are taken by the next iteration once it does).
func abandoning<T: Sendable>(
    after timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
    let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
    return try await withCheckedThrowingContinuation { continuation in
        outcome.withLockedValue { $0 = continuation }
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            outcome.withLockedValue { pending in
                pending?.resume(with: result)
                pending = nil
            }
            timer.withLockedValue { $0?.cancel() }
        }
        let watchdog = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            let stalled = outcome.withLockedValue { pending -> Bool in
                guard let continuation = pending else { return false }
                continuation.resume(throwing: StalledError(timeout: timeout))
                pending = nil
                return true
            }
            if stalled { work.cancel() }
        }
        timer.withLockedValue { $0 = watchdog }
        // The work may have finished before the watchdog was stored.
        if outcome.withLockedValue({ $0 == nil }) { watchdog.cancel() }
    }
}

struct StalledError: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "no answer within \(timeout); abandoned and started again" }
}
