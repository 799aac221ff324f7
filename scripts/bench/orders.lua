-- wrk script for `make bench` (scripts/bench/run.sh): POST /v1/orders with a new order per
-- request. Environment: BENCH_KEY (the tenant's API key, required), BENCH_PREFIX (external id
-- prefix, default "api"). Each request carries a unique external_id (<prefix>-<thread>-<n>),
-- a member drawn from 1000, status "paid", 259.00 CNY in 2 lines, a fixed placed_at.
-- done() prints one machine-readable line starting with "BENCH " for run.sh.

local key = os.getenv("BENCH_KEY")
if key == nil or key == "" then
    error("BENCH_KEY is not set")
end
local prefix = os.getenv("BENCH_PREFIX") or "api"

local threads = {}
local next_id = 0

function setup(thread)
    thread:set("tid", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state).
local counter = 0
non2xx = 0
statuses = {}

function init(args)
    math.randomseed(os.time() + tid * 7919)
    wrk.method = "POST"
    wrk.headers["Authorization"] = "Bearer " .. key
    wrk.headers["Content-Type"] = "application/json"
end

local body_format = '{"external_id":"%s-%d-%d","member":"m%d","currency":"CNY","amount":25900,'
    .. '"status":"paid","placed_at":"2026-11-30T08:15:00Z","lines":['
    .. '{"sku":"TEA-01","category":"tea","quantity":2,"unit_amount":12000},'
    .. '{"sku":"SHIP","category":"shipping","quantity":1,"unit_amount":1900}]}'

function request()
    counter = counter + 1
    local body = string.format(body_format, prefix, tid, counter, math.random(1, 1000))
    return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
        local k = tostring(status)
        statuses[k] = (statuses[k] or 0) + 1
    end
end

function done(summary, latency, requests)
    local bad, by_status = 0, {}
    for _, thread in ipairs(threads) do
        bad = bad + (thread:get("non2xx") or 0)
        local s = thread:get("statuses")
        if s then
            for code, n in pairs(s) do by_status[code] = (by_status[code] or 0) + n end
        end
    end
    local codes = {}
    for code, n in pairs(by_status) do table.insert(codes, code .. ":" .. n) end
    table.sort(codes)
    local e = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f "
            .. "non2xx=%d socket_errors=%d statuses=%s\n",
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
        latency.max / 1000, bad, e.connect + e.read + e.write + e.timeout,
        #codes > 0 and table.concat(codes, ",") or "-"))
end
