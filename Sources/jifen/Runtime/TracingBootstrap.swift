import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Traces (docs/operations.md, Traces): off unless `OTEL_TRACES_EXPORTER=otlp`. Then spans are
/// exported by OTLP over HTTP (protobuf) to `OTEL_EXPORTER_OTLP_ENDPOINT` (or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), with the other standard `OTEL_*` variables honoured
/// (service name, headers, sampler, batch sizes). Only traces: logs and metrics keep their own
/// paths (JSON lines and /metrics).
enum TracingBootstrap {
    /// Bootstraps the process's tracer if the environment asks for one, and returns the
    /// exporter's service: it must run with the process's other services and stop after them,
    /// so the last spans are flushed.
    static func start(
        serviceName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (any Service)? {
        guard environment["OTEL_TRACES_EXPORTER"]?.lowercased() == "otlp" else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName  // OTEL_SERVICE_NAME overrides it
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        return backend.service
    }
}
