#!/usr/bin/env python3
"""The soak's report: reads RUN/minutes.csv and RUN/summary.json (scripts/soak/soak.py), prints a
Markdown section and, with APPEND=1, appends it to BENCHMARKS.md.

The flatness check of the issue: each process's mean RSS over the last 10 minutes is within 10 %
of its mean over minutes 10–20 (for runs shorter than 30 minutes: the last third against the
middle third).

Usage: report.py RUN [APPEND]
"""

from __future__ import annotations

import csv
import json
import os
import platform
import sys


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> int:
    run = sys.argv[1]
    append = len(sys.argv) > 2 and sys.argv[2] == "1"
    with open(os.path.join(run, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(run, "minutes.csv")) as f:
        rows = list(csv.DictReader(f))
    minutes = len(rows)
    if minutes >= 30:
        early, late = rows[9:20], rows[-10:]
        windows = "minutes 10–20 and the last 10"
    else:
        third = max(1, minutes // 3)
        early, late = rows[third : 2 * third], rows[-third:]
        windows = f"minutes {third + 1}–{2 * third} and the last {third}"
    rss_columns = [c for c in rows[0] if c.startswith("rss_")] if rows else []
    flat = {}
    for column in rss_columns:
        before = mean([float(r[column]) for r in early if r[column]])
        after = mean([float(r[column]) for r in late if r[column]])
        flat[column[4:-4]] = (before, after, abs(after - before) <= 0.10 * before if before else False)

    checks = [
        ("5xx (and failed connections)", summary["server_errors"] == 0, str(summary["server_errors"])),
        ("accepted orders scored exactly once", summary["orders_not_scored_once"] == 0
         and summary["orders_in_db"] == summary["accepted_orders"],
         f"{summary['accepted_orders']} accepted, {summary['orders_in_db']} stored, "
         f"{summary['orders_not_scored_once']} not scored exactly once"),
        ("webhooks delivered exactly once by id", summary["received_twice"] == 0
         and summary["delivered_not_received"] == 0 and summary["received_not_delivered"] == 0,
         f"{summary['delivered_ids']} delivered, {summary['received_twice']} received twice, "
         f"{summary['delivered_not_received']} missing; {summary['receiver_failures']} first attempts "
         f"refused (500) and retried"),
        ("queue, outbox and deliveries drained", summary["drained"], str(summary["deliveries"])),
        ("`jifen audit`", summary["audit_clean"], "clean" if summary["audit_clean"] else summary["audit_output"]),
        ("graceful exits", all(code == 0 for code in summary["exits"].values()), str(summary["exits"])),
    ] + [
        (f"RSS of {name} flat ({windows})", ok, f"{before:.1f} → {after:.1f} MiB")
        for name, (before, after, ok) in flat.items()
    ]
    lines = [
        f"## Soak ({summary['minutes']:g} minutes at {summary['rate']:g} requests/s, `make soak`)",
        "",
        f"Run `{summary['run']}` on {platform.node()} ({os.cpu_count()} cores): the release build, `jifen serve` and"
        " two `jifen work`, a mixed load (paid orders 40 %, reads 30 %, refunds 10 %, redemptions with capture"
        " 10 %, check-ins of new members 10 %) and a webhook receiver refusing the first attempt of one delivery"
        " in ten. Per-minute figures: `.local/soak/…/minutes.csv`.",
        "",
        f"{summary['requests']} requests, p50 {summary['p50_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms overall;"
        f" statuses {summary.get('statuses', {})}.",
        "",
        "| check | result | figures |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {name} | {'pass' if ok else 'FAIL'} | {figures} |" for name, ok, figures in checks]
    lines += ["", "| minute | req/s | p50 ms | p99 ms | 5xx | " + " | ".join(
        f"RSS {c[4:-4]} MiB" for c in rss_columns) + " | DB conns | ready (interactive/webhooks/background) |",
        "| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in rss_columns) + " | --- | --- |"]
    step = 5 if minutes > 20 else 1
    for index, row in enumerate(rows):
        if (index + 1) % step and index != 0 and index != minutes - 1:
            continue
        lines.append(
            f"| {row['minute']} | {row['per_second']} | {row['p50_ms']} | {row['p99_ms']} | {row['5xx']} | "
            + " | ".join(row[c] for c in rss_columns)
            + f" | {row['db_connections']} | {row['ready_interactive']}/{row['ready_webhooks']}/{row['ready_background']} |"
        )
    section = "\n".join(lines) + "\n"
    print(section)
    if append:
        with open("BENCHMARKS.md", "a") as out:
            out.write("\n" + section)
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
