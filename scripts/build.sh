#!/usr/bin/env bash
# scripts/build.sh — the one place that says how Jifen is compiled, so the binary the tests run
# and the binary the image ships come from the same command.
#
# Usage: scripts/build.sh [debug|release]       build (default: debug)
#        scripts/build.sh bin-path [debug|release]  print the directory holding `jifen`
#
#   debug    `swift build --build-tests`: the jifen binary and every test target
#            (`make build`, `make test`, `make run`).
#   release  `swift build -c release --static-swift-stdlib --product jifen`: the binary of the
#            container image (deploy/docker/Dockerfile). The Swift runtime and Foundation are
#            linked in, so the runtime image needs only libhiredis (and glibc, libstdc++).
#
# Extra arguments after the mode go to `swift build` (e.g. `--scratch-path DIR`).
set -euo pipefail

flags_for() {
    case $1 in
        debug) FLAGS=(--build-tests) ;;
        release) FLAGS=(-c release --static-swift-stdlib --product jifen) ;;
        *)
            echo "scripts/build.sh: unknown mode '$1' (debug or release)" >&2
            exit 2
            ;;
    esac
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ${1:-} == bin-path ]]; then
    mode=${2:-debug}
    shift $(($# >= 2 ? 2 : 1))
    flags_for "$mode"
    # --show-bin-path takes the configuration only; --product/--build-tests do not change it.
    if [[ $mode == release ]]; then
        exec swift build -c release --show-bin-path "$@"
    fi
    exec swift build --show-bin-path "$@"
fi

mode=${1:-debug}
(($# > 0)) && shift
flags_for "$mode"
set -x
exec swift build "${FLAGS[@]}" "$@"
