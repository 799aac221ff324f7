-- psql script for `make bench` (scripts/bench/expiry.sh, tenants.sh): deletes the bench tenants
-- named ':prefix-…' with everything the benchmarks wrote for them, ledger rows included (the
-- append-only trigger is off for this superuser session only: the application can never do
-- this). Run as the superuser: psql -v prefix=<run id>.
\set ON_ERROR_STOP on
SET session_replication_role = replica;
CREATE TEMP TABLE gone AS SELECT id FROM tenants WHERE name LIKE :'prefix' || '-%';
DELETE FROM outbox WHERE tenant_id IN (SELECT id FROM gone);
DELETE FROM domain_events WHERE tenant_id IN (SELECT id FROM gone);
DELETE FROM ledger_entries WHERE tenant_id IN (SELECT id FROM gone);
DELETE FROM audit_log WHERE tenant_id IN (SELECT id FROM gone);
DELETE FROM expiry_reminders WHERE tenant_id IN (SELECT id FROM gone);
DELETE FROM point_lots WHERE tenant_id IN (SELECT id FROM gone);
DELETE FROM balances WHERE tenant_id IN (SELECT id FROM gone);
DELETE FROM members WHERE tenant_id IN (SELECT id FROM gone);
DELETE FROM tenants WHERE id IN (SELECT id FROM gone);
