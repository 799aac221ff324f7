-- Traces across processes (docs/operations.md, Traces): the W3C `traceparent` of the span that
-- wrote a row, so the process that picks the row up continues (or links to) the same trace.
-- NULL whenever tracing is off (the default), so they cost nothing then.
ALTER TABLE outbox ADD COLUMN trace_parent text;
ALTER TABLE domain_events ADD COLUMN trace_parent text;
ALTER TABLE webhook_deliveries ADD COLUMN trace_parent text;
