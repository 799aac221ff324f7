#!/usr/bin/env bash
# scripts/image-buildah.sh — builds Jifen's container image without a Docker engine or a registry
# (`make image-buildah`; `make image-check` builds with it, then runs the image).
#
# Usage: scripts/image-buildah.sh [build]        build the image (default)
#        scripts/image-buildah.sh buildah ARGS…  run buildah on the script's image storage, e.g.
#                                                `… buildah images`, or to hand the image on:
#                                                `… buildah push localhost/jifen:dev oci-archive:jifen.tar`
#
# What it does, as root on a Debian machine (buildah and mmdebstrap are installed with apt when
# missing):
#   1. base: `mmdebstrap --variant=minbase bookworm` (what debian:bookworm-slim is: Essential,
#      Priority required and apt; man pages, docs and locales removed) into a tarball cached as
#      .local/image/base-bookworm-<key>.tar, <key> a hash of the mmdebstrap options and mirrors,
#      so it is made once; imported into buildah as localhost/jifen-base:bookworm (again only
#      when that image does not carry the tarball's key).
#   2. binary: the release build of scripts/build.sh (`make image-buildah` runs it first; the
#      script does not compile), laid out like the Dockerfile's build stage leaves it
#      (.local/image/prebuilt/usr/local/bin/jifen, …/libexec/swift-backtrace-static).
#   3. image: `buildah bud --target runtime --build-arg BASE=localhost/jifen-base:bookworm
#      --build-arg BINARY=prebuilt` of deploy/docker/Dockerfile: the same runtime stage as the
#      registry build (apt installs libhiredis0.14 and ca-certificates from the Debian mirror,
#      the jifen user, /app, the ldd check, ENV, USER 10001), tagged localhost/jifen:dev.
#
# Storage: buildah keeps its images under .local/image/containers (vfs driver), not in the
# machine's /var/lib/containers: nothing else on the machine is touched, and vfs needs no overlay
# or fuse support (this sandbox has neither). Steps run with --isolation=chroot: no user, PID or
# network namespaces needed, so it works where runc/crun and `podman run` are refused.
#
# Environment (defaults in brackets):
#   JIFEN_IMAGE [localhost/jifen:dev]    the tag of the image built
#   JIFEN_BINARY [release bin path]/jifen  the binary to put in the image
#   JIFEN_DEBIAN_MIRROR [http://deb.debian.org/debian]  and JIFEN_DEBIAN_SECURITY_MIRROR
#                        [http://deb.debian.org/debian-security]: where mmdebstrap and the
#                        runtime stage's apt get packages (also the image's sources.list)
#   JIFEN_BUILDAH_ROOT [.local/image/containers]  buildah's storage
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CACHE=.local/image
IMAGE=${JIFEN_IMAGE:-localhost/jifen:dev}
BASE_IMAGE=localhost/jifen-base:bookworm
STORE=${JIFEN_BUILDAH_ROOT:-$CACHE/containers}
MIRROR=${JIFEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${JIFEN_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

log() { printf '[image] %s\n' "$*" >&2; }
die() {
    printf '[image] ERROR: %s\n' "$*" >&2
    exit 1
}

# ---- tools ----
need=()
command -v buildah >/dev/null || need+=(buildah)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
if ((${#need[@]})); then
    [[ $EUID -eq 0 ]] || die "needs ${need[*]} (apt-get install ${need[*]}, as root)"
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

mkdir -p "$STORE"
# chroot isolation and vfs storage: see the header. BUILDAH_ISOLATION is read by bud, run and from.
export BUILDAH_ISOLATION=chroot
BUILDAH=(buildah --root "$PWD/$STORE/storage" --runroot "$PWD/$STORE/run" --storage-driver vfs)

if [[ ${1:-build} == buildah ]]; then
    shift
    exec "${BUILDAH[@]}" "$@"
fi
[[ ${1:-build} == build ]] || die "unknown command '$1' (build, or buildah ARGS…)"

# ---- 1. the base: bookworm, bootstrapped here ----
# Each option is part of the cache key: changing one makes a new tarball (old ones are removed).
# The hooks' "$1" (the new root) is mmdebstrap's to expand, hence the single quotes.
# shellcheck disable=SC2016
BOOTSTRAP=(
    --variant=minbase --format=tar
    # What debian:bookworm-slim leaves out, keeping copyright files. Deleted afterwards rather
    # than excluded with --dpkgopt=path-exclude: with those, mmdebstrap filters every package
    # through a Python tar filter, many times slower on a loaded 2-core machine.
    --customize-hook='find "$1"/usr/share/doc -type f ! -name copyright -delete'
    --customize-hook='rm -rf "$1"/usr/share/man/* "$1"/usr/share/info/* "$1"/usr/share/locale/*'
    # No package lists, downloaded packages or caches in the image (the runtime stage runs
    # apt-get update), and the apt configuration of debian:bookworm-slim (debuerreotype's
    # docker-clean), so the runtime stage's apt-get install leaves no .deb files behind either.
    --aptopt='Acquire::Languages "none"'
    --customize-hook='printf "%s\n" "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };" "APT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };" "Dir::Cache::pkgcache \"\";" "Dir::Cache::srcpkgcache \"\";" >"$1"/etc/apt/apt.conf.d/docker-clean'
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb'
    bookworm
)
SOURCES=(
    "deb $MIRROR bookworm main"
    "deb $MIRROR bookworm-updates main"
    "deb $SECURITY_MIRROR bookworm-security main"
)
key=$(printf '%s\n' "${BOOTSTRAP[@]}" "${SOURCES[@]}" | sha256sum | cut -c1-16)
tarball=$CACHE/base-bookworm-$key.tar
if [[ ! -s $tarball ]]; then
    log "bootstrapping bookworm with mmdebstrap into $tarball (once; a few minutes)"
    rm -f "$CACHE"/base-bookworm-*.tar "$tarball.partial"
    nice -n 19 mmdebstrap --quiet "${BOOTSTRAP[@]}" "$tarball.partial" "${SOURCES[@]}" </dev/null
    mv "$tarball.partial" "$tarball"
else
    log "base tarball cached: $tarball"
fi

have_key=$("${BUILDAH[@]}" inspect --type image --format '{{index .ImageAnnotations "org.jifen.base-key"}}' "$BASE_IMAGE" 2>/dev/null || true)
if [[ $have_key != "$key" ]]; then
    log "importing $tarball as $BASE_IMAGE"
    ctr=$("${BUILDAH[@]}" from --name "jifen-base-import-$$" scratch)
    "${BUILDAH[@]}" add --quiet "$ctr" "$tarball" / >/dev/null
    # What debian:bookworm-slim's configuration says.
    "${BUILDAH[@]}" config --annotation "org.jifen.base-key=$key" \
        --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --cmd bash --os linux --arch amd64 "$ctr"
    "${BUILDAH[@]}" commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
else
    log "base image $BASE_IMAGE is the cached tarball's"
fi

# ---- 2. the binary ----
binary=${JIFEN_BINARY:-$(scripts/build.sh bin-path release)/jifen}
[[ -x $binary ]] || die "no binary at $binary: run scripts/build.sh release first (make image-buildah does)"
# The crash backtracer that a statically linked Swift program runs (SWIFT_BACKTRACE in the
# Dockerfile): from the toolchain that built the binary, as the build stage takes it from its own.
toolchain=$(dirname "$(readlink -f "$(command -v swift)")")/..
backtracer=$toolchain/libexec/swift/linux/swift-backtrace-static
[[ -x $backtracer ]] || die "no swift-backtrace-static in the toolchain ($backtracer)"
prebuilt=$CACHE/prebuilt
rm -rf "$prebuilt"
install -D -m 0755 "$binary" "$prebuilt/usr/local/bin/jifen"
install -D -m 0755 "$backtracer" "$prebuilt/usr/local/libexec/swift-backtrace-static"
"$prebuilt/usr/local/bin/jifen" --help >/dev/null

# ---- 3. the runtime stage ----
# .dockerignore leaves .local/ out of the build context; the build reads it with one exception,
# the prebuilt directory.
ignore=$CACHE/containerignore
{
    cat .dockerignore
    printf '!%s\n' "$prebuilt" "$prebuilt/**"
} >"$ignore"
log "building $IMAGE (runtime stage on $BASE_IMAGE, binary $binary)"
# No --layers: with vfs every cached layer is a full copy of the image's tree (GBs after a few
# builds); without, each build stores one image and repeats only the apt step (about a minute).
nice -n 19 "${BUILDAH[@]}" bud --quiet --pull-never --network host \
    --ignorefile "$ignore" -f deploy/docker/Dockerfile --target runtime \
    --build-arg BASE="$BASE_IMAGE" --build-arg BINARY=prebuilt --build-arg PREBUILT="$prebuilt" \
    -t "$IMAGE" . >&2
# buildah 1.28 leaves the working container of the `binary` stage (FROM another stage) behind,
# and with it that stage's image; the image this tag named before is dangling now too. Remove
# them all, so the storage holds the base and one image (one build at a time on this storage).
"${BUILDAH[@]}" containers --format '{{.ContainerName}}' | grep -- '-working-container' |
    xargs -r "${BUILDAH[@]}" rm >/dev/null 2>&1 || true
"${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true
log "built $IMAGE: $("${BUILDAH[@]}" inspect --type image --format '{{.FromImageID}}' "$IMAGE" | cut -c1-12), $(du -sh "$STORE" | cut -f1) in $STORE"
