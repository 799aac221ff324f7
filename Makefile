# Jifen's front door. `make run` and `make test` are the two commands of the README.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

SERVICES := deploy/local/services.sh
WITH_ENV := eval "$$($(SERVICES) env)" &&
JIFEN := .build/debug/jifen
# The tests run as the built test binary, not through `swift test`: they need the services'
# URLs in their environment, and SwiftPM (6.3) rebuilds Hummingbird (113 files) and the OpenAPI
# generator's tool whenever it runs in an environment different from the last build's (any
# variable will do), so `make build` and `swift test` under WITH_ENV rebuilt them on every turn.
TESTS := .build/debug/jifenPackageTests.xctest --testing-library swift-testing
VENV := .local/venv

.PHONY: docs-check docs-links run test services services-down build migrate spec-lint format-lint format tools bench contract-fuzz client-flow release-spec deploy-check image image-buildah image-check build-release soak console-check

## run: services up, build, migrate, demo tenant, then `jifen serve` + one `jifen work` (Ctrl-C stops both)
run: services build migrate
	$(WITH_ENV) scripts/run-local.sh

## test: services up, build, the whole suite against real PostgreSQL and Redis, contract fuzzing,
## the generated-client flow, spec and format lint, the deploy/ files' validation, the staff console in a
## browser, and the image built and run
test: services tools build migrate
	$(WITH_ENV) $(TESTS) --skip PostgresRestartTests
	@# The PostgreSQL restart runs alone: beside the other 250 tests on 2 cores, the worker has
	@# been seen not to pick up again within the test's 2 minutes (see docs/security.md).
	$(WITH_ENV) $(TESTS) --filter PostgresRestartTests
	@# No test may leave a ledger inconsistent (those that corrupt one on purpose repair it).
	$(WITH_ENV) $(JIFEN) audit
	$(MAKE) --no-print-directory contract-fuzz client-flow docs-check docs-links spec-lint format-lint deploy-check console-check image-check

services:
	$(SERVICES) up

services-down:
	$(SERVICES) down

## build: the debug build of scripts/build.sh (jifen and the tests); the image builds with the same script
build:
	scripts/build.sh debug

## build-release: the release build of scripts/build.sh (static Swift runtime): the image's binary
build-release:
	scripts/build.sh release

migrate: services build
	$(WITH_ENV) $(JIFEN) migrate

## tools: the PyPI tools the checks use, in a venv under .local/
tools: $(VENV)/.installed
$(VENV)/.installed: scripts/requirements.txt
	@# Debian's python3 needs python3-venv for venvs; the scripts also use curl.
	command -v curl >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl)
	python3 -m venv $(VENV) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && python3 -m venv $(VENV))
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
	touch $@

## contract-fuzz: schemathesis against a live `jifen serve` (no 5xx, documented statuses, schemas)
contract-fuzz: tools build migrate
	$(WITH_ENV) scripts/contract-fuzz.sh

## client-flow: a Python client generated from the spec (openapi-python-client, into .local/, never
## committed) drives tenant → member → paid order → points → hold → capture against serve + work
client-flow: tools build migrate
	$(WITH_ENV) scripts/client-flow.sh

## docs-check: GET /docs rendered by headless Chromium (installed with apt if missing) has every operation
docs-check: build migrate
	$(WITH_ENV) scripts/docs-check.sh

## console-check: the staff console (/console) in headless Chromium (installed with apt if missing),
## driven by selenium as owner, staff and viewer over a seeded shop; axe-core on every page, screenshots
## of every page in en and zh-Hans in .local/console/ (scripts/console-check.sh, docs/console.md)
console-check: tools build migrate
	$(WITH_ENV) scripts/console-check.sh

## docs-links: every relative link and #anchor in README.md, docs/, CHANGELOG.md and BENCHMARKS.md
## resolves, and every curl example's JSON body parses
docs-links:
	python3 scripts/docs-links.py

spec-lint: tools
	$(VENV)/bin/openapi-spec-validator openapi/openapi.yaml
	$(VENV)/bin/python scripts/spec-examples.py
	$(VENV)/bin/python scripts/spec-compat.py --self-test
	$(VENV)/bin/python scripts/spec-compat.py

## deploy-check: hadolint, docker compose config, kubernetes-validate, promtool and the cross-checks of
## scripts/deploy_check.py over deploy/ (no Docker engine or cluster needed)
deploy-check: tools
	scripts/deploy-check.sh

## soak: the release build (API + two workers) under a steady mixed load for SOAK_MINUTES (60) in a
## database of its own, then every order scored once, every webhook delivered once, audit clean, RSS
## flat; appends a section to BENCHMARKS.md (SOAK_RATE, SOAK_BINARY, SOAK_REPORT=0: see scripts/soak/run.sh)
soak: tools services
	scripts/soak/run.sh

## image: the container image jifen:dev (needs a Docker engine and a registry; without them:
## image-buildah; see docs/operations.md, The image)
image:
	@docker info >/dev/null 2>&1 || { echo "make image: no Docker engine answers; \`make image-buildah\` builds the same image with buildah" >&2; exit 1; }
	docker build -f deploy/docker/Dockerfile -t jifen:dev .

## image-buildah: the same image as localhost/jifen:dev without a Docker engine or a registry: the
## runtime stage on a bookworm base made by mmdebstrap, with the binary of build-release (root;
## installs buildah and mmdebstrap with apt if missing; scripts/image-buildah.sh)
image-buildah: build-release
	scripts/image-buildah.sh

## image-check: image-buildah, then the image's own migrate, serve (/health/ready, a tenant, a member,
## a paid order) and work (scores it) as uid 10001 against the local services; graceful stops
image-check: services build-release
	$(WITH_ENV) scripts/image-check.sh

## release-spec: record the current contract as released (after bumping info.version and CHANGELOG.md);
## `make spec-lint` then compares later changes against it
release-spec:
	cp openapi/openapi.yaml openapi/released.yaml

format-lint:
	swift format lint --strict --recursive Package.swift Sources Tests

format:
	swift format --in-place --recursive Package.swift Sources Tests

## bench: benchmark the API, the pgbench baseline, the workers and memory; appends to BENCHMARKS.md
## (BENCH_BUILD=release|debug, BENCH_BINARY, BENCH_SECONDS, BENCH_ORDERS, BENCH_STEADY_RATE/SECONDS: see
## scripts/bench/run.sh; BENCH_EXPIRY_TENANTS,
## BENCH_EXPIRY_LOTS: see scripts/bench/expiry.sh; BENCH_MANY_*, BENCH_NOISY_*: see scripts/bench/tenants.sh;
## BENCH_REPORTS_*: see scripts/bench/reports.sh; BENCH_IMPORT_*: see scripts/bench/imports.sh)
bench:
	scripts/bench/run.sh
	$(WITH_ENV) JIFEN=.build/$${BENCH_BUILD:-release}/jifen scripts/bench/expiry.sh
	$(WITH_ENV) JIFEN=.build/$${BENCH_BUILD:-release}/jifen scripts/bench/tenants.sh
	$(WITH_ENV) JIFEN=.build/$${BENCH_BUILD:-release}/jifen scripts/bench/reports.sh
	$(WITH_ENV) JIFEN=.build/$${BENCH_BUILD:-release}/jifen scripts/bench/imports.sh
