-- Workers pinned to tenants (WORKER_TENANTS) look for unrelayed rows by tenant; without this
-- index they would read each tenant's relayed history (kept OUTBOX_RETENTION_HOURS) on every poll.
CREATE INDEX outbox_unrelayed_tenant ON outbox (tenant_id, id) WHERE relayed_at IS NULL;
