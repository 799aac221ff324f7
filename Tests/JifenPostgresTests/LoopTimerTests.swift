import Testing

@testable import JifenPostgres

/// The acquire timeout's timer: it must end at its time, and at once when cancelled (a
/// transaction waits for it to end).
@Suite struct LoopTimerTests {
    @Test func sleepsForItsDuration() async {
        let start = ContinuousClock.now
        await LoopTimer.sleep(for: .milliseconds(50))
        #expect(ContinuousClock.now - start >= .milliseconds(50))
    }

    @Test func endsAtOnceWhenCancelled() async throws {
        let start = ContinuousClock.now
        let sleeper = Task { await LoopTimer.sleep(for: .seconds(60)) }
        sleeper.cancel()
        await sleeper.value
        // Cancelled before or after it armed, it ends far sooner than its minute.
        #expect(ContinuousClock.now - start < .seconds(30))
        let armed = Task { await LoopTimer.sleep(for: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(20))
        armed.cancel()
        await armed.value
        #expect(ContinuousClock.now - start < .seconds(30))
    }
}
