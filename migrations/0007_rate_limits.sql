-- Per-tenant rate limits for the tenant API (`/v1`). NULL means the server's defaults
-- (RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST); both are set together or neither.
ALTER TABLE tenants
    ADD COLUMN rate_limit_per_second integer CHECK (rate_limit_per_second BETWEEN 1 AND 100000),
    ADD COLUMN rate_limit_burst integer CHECK (rate_limit_burst BETWEEN 1 AND 1000000),
    ADD CONSTRAINT tenants_rate_limit_pair CHECK ((rate_limit_per_second IS NULL) = (rate_limit_burst IS NULL));
