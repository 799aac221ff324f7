import Foundation
import JifenCore
import Logging

/// One JSON object per line (`LOG_FORMAT=json`), for log collectors in containers: time,
/// level, message, label, and the metadata (request_id, tenant_id, …) as fields.
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    var metadataProvider: Logger.MetadataProvider?
    let label: String

    init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadataProvider?.get() ?? [:] { fields[key] = "\(value)" }
        for (key, value) in metadata { fields[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { fields[key] = "\(value)" }
        fields["time"] = Date().formatted(.iso8601)
        fields["level"] = event.level.rawValue
        fields["message"] = "\(event.message)"
        fields["logger"] = label
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(fields) else { return }
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardError.write(line)
    }
}

extension Settings {
    /// Configures swift-log once per process, before any logger is made.
    func bootstrapLogging() {
        let level = logLevel
        // The request's or job's ids, from wherever in the stack a line is logged.
        let scope = Logger.MetadataProvider { LogScope.metadata.mapValues { .string($0) } }
        switch logFormat {
        case .json:
            LoggingSystem.bootstrap(
                { JSONLogHandler(label: $0, level: level, metadataProvider: $1) },
                metadataProvider: scope
            )
        case .text:
            LoggingSystem.bootstrap(
                { label, provider in
                    var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    handler.logLevel = level
                    return handler
                },
                metadataProvider: scope
            )
        }
    }
}
