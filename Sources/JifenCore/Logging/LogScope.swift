/// Log metadata for everything logged inside a scope — a request, a job — whichever logger
/// logs it: the process's log handler adds these fields to every line (`request_id`,
/// `tenant_id`, `job_id`), so a handler deep in the stack needs no logger passed down to be
/// traceable.
///
/// ```swift
/// try await LogScope.with(["job_id": job.id]) { try await handler.handle(job) }
/// ```
public enum LogScope {
    @TaskLocal public static var metadata: [String: String] = [:]

    /// Runs `body` with `fields` added to the current scope's.
    public static func with<T>(
        _ fields: [String: String],
        _ body: () async throws -> T
    ) async rethrows -> T {
        try await $metadata.withValue(metadata.merging(fields) { $1 }, operation: body)
    }
}
