import Tracing

/// The W3C `traceparent` of a span, as text that can wait in a table or a job until another
/// process continues the trace (docs/operations.md, Traces): the outbox row of a paid order
/// carries its request's, the job the worker runs carries the row's, a domain event carries the
/// job's and its webhook deliveries the event's. Without a tracer (tracing off, the default)
/// there is nothing to carry and the columns stay NULL.
public enum TraceParent {
    /// The current span's `traceparent`, or `nil` when no span is active or tracing is off.
    public static var current: String? {
        guard let context = ServiceContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: TextMapCarrier())
        return carrier["traceparent"]
    }

    /// A context whose parent is the span `traceparent` names (or the top level without one).
    public static func context(_ traceParent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let traceParent {
            InstrumentationSystem.instrument.extract(
                ["traceparent": traceParent],
                into: &context,
                using: TextMapCarrier()
            )
        }
        return context
    }
}

/// A `[String: String]` as the propagation carrier (W3C trace context uses lower-case names).
public struct TextMapCarrier: Injector, Extractor {
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key.lowercased()] = value
    }

    public func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key.lowercased()]
    }
}
