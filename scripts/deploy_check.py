#!/usr/bin/env python3
"""The checks of scripts/deploy-check.sh that no off-the-shelf tool makes.

The schema validators (docker compose config, kubernetes-validate, promtool, hadolint) say
whether each file is well-formed; this says whether the files agree with each other and with the
code: every environment variable a container gets is a setting Jifen reads
(Sources/jifen/Runtime/Settings/), grace periods outlast the drain and job times, probes and
scrape annotations point at ports the containers open, selectors select, every metric the
dashboard and alerts use is in deploy/metrics.txt (with labels it has), every alert has a unit
test that makes it fire, every dashboard panel has its line in docs/operations.md (Deploy), and the image and the
tests build with the same script.

Usage: deploy_check.py --compose-json FILE --promtool PATH   (from the repository root; FILE is
`docker compose -f deploy/docker/compose.yaml config --format json`). Prints what it checked;
exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS: list[str] = []


def problem(where: str, what: str) -> None:
    PROBLEMS.append(f"{where}: {what}")


def ok(what: str) -> None:
    print(f"  ok  {what}")


# --------------------------------------------------------------------------------------------
# What the code defines


def settings_text() -> str:
    """The settings sources: one file per component in Sources/jifen/Runtime/Settings/."""
    folder = ROOT / "Sources/jifen/Runtime/Settings"
    return "\n".join(path.read_text() for path in sorted(folder.glob("*.swift")))


def settings_names() -> set[str]:
    """Environment variables the settings read: config keys `a.b.c` are `A_B_C`."""
    text = settings_text()
    names = {key.replace(".", "_").upper() for key in re.findall(r'forKey:\s*"([a-z0-9.]+)"', text)}
    names |= {key.replace(".", "_").upper() for key in re.findall(r'(?:integer|flag)\(\s*"([a-z0-9.]+)"', text)}
    if len(names) < 10:
        problem("Settings/", f"found only {len(names)} settings; has the files' shape changed?")
    return names


def settings_default(name: str) -> int | None:
    """The integer default of a setting read with `config.integer("…", "NAME", default: N, …)`."""
    text = settings_text()
    match = re.search(r'"' + name + r'",\s*default:\s*([0-9_]+)', text)
    return int(match.group(1).replace("_", "")) if match else None


# Set by the image (deploy/docker/Dockerfile), read by the Swift runtime, not by Settings.
RUNTIME_ENV = {"SWIFT_BACKTRACE"}

# After DRAIN_SECONDS a stopping process cancels what is left and gets this long to exit
# (maximumCancellationDuration in Serve.swift and Work.swift).
CANCELLATION_SECONDS = 5


class Metric:
    def __init__(self, name: str, kind: str, labels: dict[str, set[str] | None]):
        self.name, self.kind, self.labels = name, kind, labels


def load_metrics() -> dict[str, Metric]:
    path = ROOT / "deploy/metrics.txt"
    metrics: dict[str, Metric] = {}
    comment = ""
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line:
            comment = ""
            continue
        if line.startswith("#"):
            comment = line[1:].strip()
            continue
        if not re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line):
            problem(f"deploy/metrics.txt:{number}", f"'{line}' is not a metric name")
            continue
        if line in metrics:
            problem(f"deploy/metrics.txt:{number}", f"{line} listed twice")
        kind = comment.split(";")[0].split(",")[0].strip() if comment else ""
        if kind not in ("counter", "gauge", "histogram", "summary"):
            problem(f"deploy/metrics.txt:{number}", f"{line}: the comment above must start with its type")
        labels: dict[str, set[str] | None] = {}
        found = re.search(r"labels:\s*(.*)$", comment)
        if not found:
            problem(f"deploy/metrics.txt:{number}", f"{line}: the comment above must list its labels")
        elif found.group(1).strip() != "(none)":
            for item in re.finditer(r"([a-z_]+)(?:\s*\(([^)]*)\))?", found.group(1)):
                labels[item.group(1)] = set(item.group(2).split("|")) if item.group(2) else None
        if kind == "counter" and not line.endswith("_total"):
            problem(f"deploy/metrics.txt:{number}", f"counter {line} should end in _total")
        metrics[line] = Metric(line, kind, labels)
        comment = ""
    ok(f"deploy/metrics.txt lists {len(metrics)} metric families, each with its type and labels")
    return metrics


# --------------------------------------------------------------------------------------------
# PromQL: metric names and labels (a light reading, enough for the expressions we write)

# Labels every series has once scraped (target labels), and the histogram bucket label.
TARGET_LABELS = {"instance", "job", "namespace", "pod", "le"}


def check_promql(where: str, expr: str, metrics: dict[str, Metric]) -> set[str]:
    """Checks the jifen_* names and the labels `expr` uses; returns the families used."""
    used: dict[str, Metric] = {}
    for name in re.findall(r"\b(jifen_[a-zA-Z0-9_]+)", expr):
        family = name
        if name not in metrics:
            for suffix in ("_bucket", "_sum", "_count"):
                base = name[: -len(suffix)] if name.endswith(suffix) else None
                if base and base in metrics and metrics[base].kind in ("histogram", "summary"):
                    family = base
                    if suffix == "_bucket" and metrics[base].kind != "histogram":
                        problem(where, f"{name}: a summary has no buckets")
                    break
            else:
                problem(where, f"metric {name} is not in deploy/metrics.txt")
                continue
        elif metrics[name].kind == "histogram":
            problem(where, f"{name} is a histogram: use {name}_bucket, _sum or _count")
        used[family] = metrics[family]
    known = set(TARGET_LABELS)
    for metric in used.values():
        known |= set(metric.labels)
    # Matchers inside selectors: name{label op "value", …}
    for name, body in re.findall(r"\b(jifen_[a-zA-Z0-9_]+)\s*\{([^}]*)\}", expr):
        family = next((m for m in used if name == m or name.startswith(m + "_")), None)
        if family is None:
            continue
        metric = used[family]
        for label, op, value in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"', body):
            if label == "le" and name.endswith("_bucket"):
                continue
            if label not in metric.labels and label not in TARGET_LABELS:
                problem(where, f"{name} has no label '{label}' (deploy/metrics.txt)")
                continue
            allowed = metric.labels.get(label)
            if allowed is None:
                continue
            values = value.split("|") if op in ("=~", "!~") else [value]
            for item in values:
                if re.fullmatch(r"[a-zA-Z0-9_]+", item) and item not in allowed:
                    problem(where, f"{name}{{{label}}} is never '{item}' (deploy/metrics.txt: {sorted(allowed)})")
    # Grouping: by (…) / without (…) / on (…) / ignoring (…)
    for clause in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr):
        for label in filter(None, (item.strip() for item in clause.split(","))):
            if label not in known:
                problem(where, f"groups by '{label}', a label none of its metrics has")
    return set(used)


def promtool_check(where: str, exprs: list[tuple[str, str]], promtool: str) -> None:
    """PromQL syntax of each expression, through `promtool check rules` on recording rules."""
    rules = {"groups": [{"name": "syntax", "rules": [{"record": f"check:{i}", "expr": e} for i, (_, e) in enumerate(exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(rules, handle)
        path = handle.name
    try:
        result = subprocess.run([promtool, "check", "rules", "--lint=none", path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if result.returncode != 0:
        problem(where, "promtool rejects a query:\n" + result.stdout + result.stderr)
    else:
        ok(f"{where}: promtool parses all {len(exprs)} queries")


# --------------------------------------------------------------------------------------------
# Grafana


def check_dashboard(metrics: dict[str, Metric], promtool: str, readme_deploy: str) -> set[str]:
    where = "deploy/grafana/jifen.json"
    try:
        dash = json.loads((ROOT / where).read_text())
    except json.JSONDecodeError as error:
        problem(where, f"not JSON: {error}")
        return set()
    for key in ("title", "uid", "panels", "schemaVersion", "templating"):
        if key not in dash:
            problem(where, f"no '{key}'")
    if not isinstance(dash.get("schemaVersion"), int) or not 36 <= dash["schemaVersion"] <= 41:
        problem(where, f"schemaVersion {dash.get('schemaVersion')!r}: expected 36–41 (Grafana 9.4–11)")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    source = variables.get("datasource")
    if not source or source.get("type") != "datasource" or source.get("query") != "prometheus":
        problem(where, "needs a Prometheus datasource variable named 'datasource'")
    ids: set[int] = set()
    cells: dict[tuple[int, int], str] = {}
    exprs: list[tuple[str, str]] = []
    used: set[str] = set()
    titles: list[str] = []
    for panel in dash.get("panels", []):
        title = panel.get("title") or "(untitled)"
        here = f"{where} panel '{title}'"
        if panel.get("id") in ids or not isinstance(panel.get("id"), int):
            problem(here, f"id {panel.get('id')!r} missing or not unique")
        ids.add(panel.get("id"))
        grid = panel.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")) or grid["x"] + grid["w"] > 24:
            problem(here, f"gridPos {grid} is not inside the 24 columns")
        else:
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    if (x, y) in cells:
                        problem(here, f"overlaps panel '{cells[(x, y)]}'")
                        break
                    cells[(x, y)] = title
                else:
                    continue
                break
        if panel.get("type") == "row":
            continue
        titles.append(title)
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            problem(here, "datasource must be the ${datasource} variable")
        if not panel.get("description"):
            problem(here, "no description")
        targets = panel.get("targets", [])
        if not targets:
            problem(here, "no queries")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs):
            problem(here, "refIds are not unique")
        for target in targets:
            expr = target.get("expr", "")
            if not expr.strip():
                problem(here, f"query {target.get('refId')} is empty")
                continue
            if target.get("datasource", {}).get("uid") not in (None, "${datasource}"):
                problem(here, f"query {target.get('refId')} names another datasource")
            concrete = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
            if "$" in concrete:
                problem(here, f"query {target.get('refId')} uses a variable the dashboard does not define")
            exprs.append((here, concrete))
            used |= check_promql(here, expr, metrics)
    promtool_check(where, exprs, promtool)
    ok(f"{where}: {len(titles)} panels, ids unique, no overlaps, every query on ${{datasource}}")
    missing = [t for t in titles if t not in readme_deploy]
    if missing:
        problem("docs/operations.md (Deploy section)", "no line for the dashboard panels: " + ", ".join(missing))
    else:
        ok("docs/operations.md describes every dashboard panel")
    return used


# --------------------------------------------------------------------------------------------
# Prometheus alerts

DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def check_alerts(metrics: dict[str, Metric]) -> set[str]:
    where = "deploy/prometheus/alerts.yaml"
    doc = yaml.safe_load((ROOT / where).read_text())
    used: set[str] = set()
    names: list[str] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list) or not doc["groups"]:
        problem(where, "must be a mapping with a non-empty 'groups' list")
        return used
    group_names = [g.get("name") for g in doc["groups"]]
    if len(set(group_names)) != len(group_names) or not all(group_names):
        problem(where, "groups need unique names")
    for group in doc["groups"]:
        for rule in group.get("rules") or []:
            name = rule.get("alert")
            here = f"{where} alert {name}"
            if not name or "record" in rule:
                problem(here, "every rule here is an alert (alert:, no record:)")
                continue
            names.append(name)
            extra = set(rule) - {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
            if extra:
                problem(here, f"unknown keys {sorted(extra)}")
            if not re.fullmatch(r"Jifen[A-Z][A-Za-z0-9]*", name):
                problem(here, "alert names are JifenCamelCase")
            if not isinstance(rule.get("expr"), str) or not rule["expr"].strip():
                problem(here, "no expr")
                continue
            if "for" in rule and not DURATION.match(str(rule["for"])):
                problem(here, f"for: {rule['for']!r} is not a duration")
            severity = (rule.get("labels") or {}).get("severity")
            if severity not in ("critical", "warning", "info"):
                problem(here, f"labels.severity {severity!r}: critical, warning or info")
            annotations = rule.get("annotations") or {}
            for key in ("summary", "description"):
                if not annotations.get(key):
                    problem(here, f"annotations.{key} missing")
            used |= check_promql(here, rule["expr"], metrics)
    if len(set(names)) != len(names):
        problem(where, "alert names are not unique")
    ok(f"{where}: {len(names)} alerts with severity, summary and description")
    # Every alert is proven to fire by alerts.test.yaml.
    tests = yaml.safe_load((ROOT / "deploy/prometheus/alerts.test.yaml").read_text())
    fired = {
        case.get("alertname")
        for test in tests.get("tests", [])
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    untested = sorted(set(names) - fired)
    if untested:
        problem("deploy/prometheus/alerts.test.yaml", "no test makes these alerts fire: " + ", ".join(untested))
    else:
        ok("deploy/prometheus/alerts.test.yaml makes every alert fire")
    # The scrape configuration gives the job labels the alerts select on.
    scrape = (ROOT / "deploy/prometheus/scrape.yaml").read_text()
    config = yaml.safe_load(scrape)
    if not isinstance(config, dict) or not config.get("scrape_configs"):
        problem("deploy/prometheus/scrape.yaml", "no scrape_configs")
    for job in sorted(set(re.findall(r'job="([^"]+)"', (ROOT / where).read_text()))):
        if job.removeprefix("jifen-") not in scrape and job not in scrape:
            problem("deploy/prometheus/scrape.yaml", f"nothing sets job=\"{job}\" used by the alerts")
    return used


# --------------------------------------------------------------------------------------------
# docker compose (the interpolated, merged model from `docker compose config --format json`)


def seconds(text: str | int | None) -> float | None:
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text) / 1e9  # compose's JSON model gives durations in nanoseconds
    total, found = 0.0, False
    for number, unit in re.findall(r"([0-9.]+)(ms|s|m|h)", str(text)):
        found = True
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total if found else None


def check_compose(model: dict, settings: set[str]) -> None:
    where = "deploy/docker/compose.yaml"
    services = model.get("services", {})
    for required in ("postgres", "redis", "migrate", "api", "worker"):
        if required not in services:
            problem(where, f"no service '{required}'")
    if any(r not in services for r in ("postgres", "redis", "migrate", "api", "worker")):
        return
    for name, service in services.items():
        if not service.get("healthcheck") and name != "migrate":
            problem(f"{where} {name}", "no healthcheck")
    jifen = {n: s for n, s in services.items() if str(s.get("image", "")).startswith("jifen")}
    if set(jifen) != {"migrate", "api", "worker"}:
        problem(where, f"services on the jifen image: {sorted(jifen)}; expected migrate, api, worker")
    commands = {n: (s.get("command") or [None])[0] for n, s in jifen.items()}
    for name, command in (("migrate", "migrate"), ("api", "serve"), ("worker", "work")):
        if commands.get(name) != command:
            problem(f"{where} {name}", f"command should be {command}, not {commands.get(name)}")
    for name, service in jifen.items():
        unknown = sorted(set(service.get("environment") or {}) - settings - RUNTIME_ENV)
        if unknown:
            problem(f"{where} {name}", f"environment variables Jifen does not read: {unknown}")
    # The initdb script runs the shared provisioning script (deploy/postgres/provision.psql).
    mounts = {str(v.get("target")): str(v.get("source", "")) for v in services["postgres"].get("volumes") or []}
    if not mounts.get("/jifen/provision.psql", "").endswith("deploy/postgres/provision.psql"):
        problem(f"{where} postgres", "must mount deploy/postgres/provision.psql at /jifen/provision.psql")
    env = lambda n: services[n].get("environment") or {}  # noqa: E731
    if "MIGRATION_DATABASE_URL" not in env("migrate"):
        problem(f"{where} migrate", "needs MIGRATION_DATABASE_URL (the owner role)")
    for name in ("api", "worker"):
        deps = services[name].get("depends_on") or {}
        wanted = {"postgres": "service_healthy", "redis": "service_healthy", "migrate": "service_completed_successfully"}
        for dep, condition in wanted.items():
            if (deps.get(dep) or {}).get("condition") != condition:
                problem(f"{where} {name}", f"depends_on {dep} must have condition {condition}")
        url = env(name).get("DATABASE_URL", "")
        if "jifen_app" not in url:
            problem(f"{where} {name}", "DATABASE_URL must use the application role jifen_app")
        if "MIGRATION_DATABASE_URL" in env(name):
            problem(f"{where} {name}", "gets the owner's MIGRATION_DATABASE_URL; only migrate needs it")
        if "jifen_system" not in env(name).get("SYSTEM_DATABASE_URL", ""):
            problem(f"{where} {name}", "SYSTEM_DATABASE_URL must use the system-scope role jifen_system")
    if (services["migrate"].get("depends_on") or {}).get("postgres", {}).get("condition") != "service_healthy":
        problem(f"{where} migrate", "depends_on postgres must be service_healthy")
    drain = int(env("api").get("DRAIN_SECONDS") or settings_default("DRAIN_SECONDS") or 20)
    grace = seconds(services["api"].get("stop_grace_period")) or 10
    if grace <= drain + CANCELLATION_SECONDS:
        problem(f"{where} api", f"stop_grace_period {grace:g}s must exceed DRAIN_SECONDS {drain} + {CANCELLATION_SECONDS}")
    visibility = int(env("worker").get("JOB_VISIBILITY_TIMEOUT") or settings_default("JOB_VISIBILITY_TIMEOUT") or 60)
    drain = int(env("worker").get("DRAIN_SECONDS") or settings_default("DRAIN_SECONDS") or 20)
    grace = seconds(services["worker"].get("stop_grace_period")) or 10
    if grace <= max(visibility, drain + CANCELLATION_SECONDS):
        problem(
            f"{where} worker",
            f"stop_grace_period {grace:g}s must exceed JOB_VISIBILITY_TIMEOUT {visibility} and DRAIN_SECONDS {drain} + {CANCELLATION_SECONDS}",
        )
    if (services["worker"].get("deploy") or {}).get("replicas", 1) < 2:
        problem(f"{where} worker", "run two workers (deploy.replicas: 2)")
    port = str(env("worker").get("METRICS_PORT", ""))
    test = " ".join(services["worker"].get("healthcheck", {}).get("test", []))
    if not port or port == "0" or port not in test or "/health/live" not in test:
        problem(f"{where} worker", f"healthcheck must probe /health/live on METRICS_PORT ({port or 'unset'})")
    test = " ".join(services["api"].get("healthcheck", {}).get("test", []))
    if "/health/ready" not in test:
        problem(f"{where} api", "healthcheck must probe /health/ready")
    init = ROOT / "deploy/docker/initdb"
    if not any(init.glob("*.sh")) or not all(os.access(p, os.X_OK) for p in init.glob("*.sh")):
        problem("deploy/docker/initdb", "needs an executable *.sh init script")
    ok(f"{where}: services, commands, start order, health checks, roles, grace periods, settings names")


# --------------------------------------------------------------------------------------------
# Kubernetes


def load_k8s() -> tuple[dict[str, list[dict]], list[dict]]:
    directory = ROOT / "deploy/k8s"
    by_file: dict[str, list[dict]] = {}
    for path in sorted(directory.glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        by_file[path.name] = docs
    resources = [d for name, docs in by_file.items() if name != "kustomization.yaml" for d in docs]
    return by_file, resources


def check_k8s(settings: set[str]) -> None:
    where = "deploy/k8s"
    by_file, resources = load_k8s()
    kustomization = (by_file.get("kustomization.yaml") or [{}])[0]
    listed = set(kustomization.get("resources") or [])
    present = set(by_file) - {"kustomization.yaml"}
    if listed != present:
        problem(f"{where}/kustomization.yaml", f"resources {sorted(listed)} != files {sorted(present)}")
    index = {(r.get("kind"), r.get("metadata", {}).get("name")): r for r in resources}
    for resource in resources:
        namespace = resource.get("metadata", {}).get("namespace")
        if resource.get("kind") != "Namespace" and namespace != kustomization.get("namespace", "jifen"):
            problem(where, f"{resource.get('kind')}/{resource['metadata'].get('name')} is not in namespace jifen")
    # The manual's first deploy step applies `-l deploy-phase=migrate`: what the migrate Job needs.
    phase = sorted(k for (k, _), r in index.items() if r["metadata"].get("labels", {}).get("deploy-phase") == "migrate")
    if phase != ["ConfigMap", "Job", "Namespace", "Secret"]:
        problem(where, f"deploy-phase=migrate labels {phase}; expected the Namespace, ConfigMap, Secret and Job")
    config = index.get(("ConfigMap", "jifen-config"), {}).get("data", {})
    secret = index.get(("Secret", "jifen-secrets"), {}).get("stringData", {})
    for key in set(config) | set(secret):
        if key not in settings:
            problem(where, f"ConfigMap/Secret key {key} is not a setting Jifen reads")
    images = {i.get("name") for i in kustomization.get("images") or []}

    def pod_specs():
        for resource in resources:
            if resource.get("kind") in ("Deployment", "Job"):
                yield resource, resource["spec"]["template"]

    roles = {}
    for resource, template in pod_specs():
        name = f"{resource['kind']}/{resource['metadata']['name']}"
        spec = template["spec"]
        labels = template.get("metadata", {}).get("labels", {})
        selector = resource["spec"].get("selector", {}).get("matchLabels")
        if resource["kind"] == "Deployment":
            if not selector or any(labels.get(k) != v for k, v in selector.items()):
                problem(name, "selector does not match the pod template's labels")
            if "replicas" in resource["spec"]:
                problem(name, "replicas is the HorizontalPodAutoscaler's: leave it out")
        pod_security = spec.get("securityContext", {})
        if not pod_security.get("runAsNonRoot") or not pod_security.get("runAsUser"):
            problem(name, "pod must run as a non-root uid (runAsNonRoot, runAsUser)")
        for container in spec.get("containers", []):
            here = f"{name} container {container.get('name')}"
            if container.get("image", "").split(":")[0] not in images:
                problem(here, f"image {container.get('image')} is not set by kustomization.yaml images")
            security = container.get("securityContext", {})
            if not security.get("readOnlyRootFilesystem") or security.get("allowPrivilegeEscalation") is not False:
                problem(here, "needs readOnlyRootFilesystem: true and allowPrivilegeEscalation: false")
            resources_ = container.get("resources", {})
            for kind in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(resources_.get(kind, {})):
                    problem(here, f"resources.{kind} needs cpu and memory")
            env = {e["name"]: e for e in container.get("env", [])}
            refs = [r["configMapRef"]["name"] for r in container.get("envFrom", []) if "configMapRef" in r]
            for ref in refs:
                if ("ConfigMap", ref) not in index:
                    problem(here, f"envFrom ConfigMap {ref} does not exist")
            for variable, item in env.items():
                if variable not in settings:
                    problem(here, f"environment variable {variable} is not a setting Jifen reads")
                key_ref = item.get("valueFrom", {}).get("secretKeyRef")
                if key_ref and (key_ref["name"] != "jifen-secrets" or key_ref["key"] not in secret):
                    problem(here, f"{variable} refers to a missing Secret key {key_ref}")
            values = {**config, **{k: v.get("value") for k, v in env.items() if "value" in v}}
            ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
            for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
                probe = container.get(probe_name)
                if probe and "httpGet" in probe:
                    port = probe["httpGet"]["port"]
                    if isinstance(port, str) and port not in ports:
                        problem(here, f"{probe_name} port {port} is not a container port")
            annotations = template.get("metadata", {}).get("annotations", {})
            if annotations.get("prometheus.io/scrape") == "true":
                if int(annotations.get("prometheus.io/port", 0)) not in ports.values():
                    problem(here, "prometheus.io/port is not a container port")
                if annotations.get("prometheus.io/path") != "/metrics":
                    problem(here, "prometheus.io/path must be /metrics")
            args = container.get("args") or container.get("command") or []
            role = args[0] if args else None
            roles[role] = (resource, spec, container, values, ports)
            if role in ("serve", "work") and values.get("HOST", "0.0.0.0") != "0.0.0.0":
                problem(here, "HOST must be 0.0.0.0 for the probes to reach it")
    if set(roles) != {"serve", "work", "migrate"}:
        problem(where, f"workloads run {sorted(r for r in roles if r)}; expected serve, work and migrate")
        return
    # API: probes, drain
    resource, spec, container, values, ports = roles["serve"]
    paths = {p: container.get(p, {}).get("httpGet", {}).get("path") for p in ("livenessProbe", "readinessProbe")}
    if paths != {"livenessProbe": "/health/live", "readinessProbe": "/health/ready"}:
        problem("Deployment/jifen-api", f"probes {paths}: liveness /health/live, readiness /health/ready")
    drain = int(values.get("DRAIN_SECONDS") or settings_default("DRAIN_SECONDS") or 20)
    pause = 0
    pre_stop = container.get("lifecycle", {}).get("preStop", {})
    if "exec" in pre_stop and pre_stop["exec"]["command"][:1] == ["sleep"]:
        pause = int(pre_stop["exec"]["command"][1])
    elif "sleep" in pre_stop:
        pause = int(pre_stop["sleep"]["seconds"])
    if not pause:
        problem("Deployment/jifen-api", "needs a preStop pause so endpoints go before SIGTERM")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    if grace <= pause + drain + CANCELLATION_SECONDS:
        problem(
            "Deployment/jifen-api",
            f"terminationGracePeriodSeconds {grace} must exceed preStop {pause} + DRAIN_SECONDS {drain} + {CANCELLATION_SECONDS}",
        )
    # Worker: metrics port, liveness, grace
    resource, spec, container, values, ports = roles["work"]
    metrics_port = int(values.get("METRICS_PORT") or 0)
    liveness = container.get("livenessProbe", {}).get("httpGet", {})
    live_port = liveness.get("port")
    live_port = ports.get(live_port, live_port)
    if not metrics_port or live_port != metrics_port or liveness.get("path") != "/health/live":
        problem("Deployment/jifen-worker", f"liveness must be /health/live on METRICS_PORT ({metrics_port or 'unset'})")
    visibility = int(values.get("JOB_VISIBILITY_TIMEOUT") or settings_default("JOB_VISIBILITY_TIMEOUT") or 60)
    drain = int(values.get("DRAIN_SECONDS") or settings_default("DRAIN_SECONDS") or 20)
    if spec.get("terminationGracePeriodSeconds", 30) <= max(visibility, drain + CANCELLATION_SECONDS):
        problem(
            "Deployment/jifen-worker",
            f"terminationGracePeriodSeconds must exceed JOB_VISIBILITY_TIMEOUT {visibility} and DRAIN_SECONDS {drain} + {CANCELLATION_SECONDS}",
        )
    # Only the migrate Job gets the owner's URL.
    for role, (resource, spec, container, values, ports) in roles.items():
        names = {e["name"] for e in container.get("env", [])}
        if ("MIGRATION_DATABASE_URL" in names) != (role == "migrate"):
            problem(f"{resource['kind']}/{resource['metadata']['name']}", "MIGRATION_DATABASE_URL is for the migrate Job only")
        # The API and workers need the system scope's own login (tenants, keys, the outbox).
        if role != "migrate" and "SYSTEM_DATABASE_URL" not in names:
            problem(f"{resource['kind']}/{resource['metadata']['name']}", "needs SYSTEM_DATABASE_URL (the jifen_system role)")
    # Selectors of the Service, PDBs and HPAs find their Deployment.
    deployments = {r["metadata"]["name"]: r for r in resources if r.get("kind") == "Deployment"}

    def selects(selector: dict) -> list[str]:
        return [
            n for n, d in deployments.items()
            if all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())
        ]

    for resource in resources:
        kind, name = resource.get("kind"), resource["metadata"]["name"]
        if kind == "Service" and len(selects(resource["spec"]["selector"])) != 1:
            problem(f"Service/{name}", "selector must match exactly one Deployment")
        if kind == "PodDisruptionBudget" and len(selects(resource["spec"]["selector"]["matchLabels"])) != 1:
            problem(f"PodDisruptionBudget/{name}", "selector must match exactly one Deployment")
        if kind == "HorizontalPodAutoscaler" and resource["spec"]["scaleTargetRef"]["name"] not in deployments:
            problem(f"HorizontalPodAutoscaler/{name}", "scaleTargetRef is not a Deployment here")
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget"):
        covered = {resource["metadata"]["name"] for resource in resources if resource.get("kind") == kind}
        if covered != set(deployments):
            problem(where, f"every Deployment needs a {kind}: have {sorted(covered)}")
    ok(f"{where}: selectors, probes, ports, scrape annotations, security, resources, grace periods, settings names")


# --------------------------------------------------------------------------------------------
# The image builds what the tests build


def check_build_parity() -> None:
    dockerfile = (ROOT / "deploy/docker/Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    if "scripts/build.sh release" not in dockerfile:
        problem("deploy/docker/Dockerfile", "must build with scripts/build.sh release")
    if not re.search(r"^build:.*\n\tscripts/build\.sh debug\s*$", makefile, re.M):
        problem("Makefile", "the build target must run scripts/build.sh debug")
    if not re.search(r"^EXPOSE .*\b8080\b.*\b9464\b", dockerfile, re.M):
        problem("deploy/docker/Dockerfile", "EXPOSE 8080 and 9464")
    user = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    if not user or user[-1].split(":")[0] in ("root", "0"):
        problem("deploy/docker/Dockerfile", "the runtime stage must end on a non-root USER")
    # scripts/image-buildah.sh builds the runtime stage from its own base and the host's binary
    # (`make image-check`, part of `make test`): the stage must keep taking both as arguments.
    if not re.search(r"^FROM \$\{BASE\} AS runtime$", dockerfile, re.M):
        problem("deploy/docker/Dockerfile", "the runtime stage must be `FROM ${BASE} AS runtime`")
    if not re.search(r"^FROM \$\{BINARY\} AS binary$", dockerfile, re.M) or "COPY --from=binary " not in dockerfile:
        problem("deploy/docker/Dockerfile", "the runtime stage must copy the binary from `FROM ${BINARY} AS binary`")
    if not re.search(r"^test:.*(?:\n\t.*)*\n\t\$\(MAKE\) .*\bimage-check\b", makefile, re.M):
        problem("Makefile", "`make test` must run image-check")
    ok(
        "the image and `make build` compile through scripts/build.sh; the image runs as a non-root user;"
        " its runtime stage builds from BASE and BINARY, as `make test` does (image-check)"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compose-json", required=True)
    parser.add_argument("--promtool", required=True)
    args = parser.parse_args()
    # The operator's manual (docs/operations.md) carries the Deploy section since the README
    # became a first screen and a map.
    manual = (ROOT / "docs" / "operations.md").read_text()
    match = re.search(r"^## Deploy\n(.*?)(?=^## |\Z)", manual, re.M | re.S)
    if not match:
        problem("docs/operations.md", "no '## Deploy' section")
    settings = settings_names()
    metrics = load_metrics()
    used = check_dashboard(metrics, args.promtool, match.group(1) if match else "")
    used |= check_alerts(metrics)
    unused = sorted(set(metrics) - used)
    if unused:
        print(f"  note  not on the dashboard or in an alert: {', '.join(unused)}")
    check_compose(json.loads(Path(args.compose_json).read_text()), settings)
    check_k8s(settings)
    check_build_parity()
    if PROBLEMS:
        print(f"\n{len(PROBLEMS)} problem(s):", file=sys.stderr)
        for item in PROBLEMS:
            print(f"  FAIL {item}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
