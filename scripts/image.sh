#!/usr/bin/env bash
# Builds zonekeeper's container image from the Dockerfile and prints its id and size.
#
#   scripts/image.sh [--base=auto|pinned|stand-in] [--platform=linux/amd64,linux/arm64] [--tag=NAME]
#                    [--source=URL] [--push]
#
# --base=pinned   the Dockerfile's own base (python:3.12-slim pinned by digest), pulled by the engine.
# --base=stand-in a local stand-in for that base, built from Debian packages with mmdebstrap and
#                 `podman import`ed (for machines that reach Debian's packages but no image registry).
#                 It has the python:…-slim layout the Dockerfile expects (python3 and pip in /usr/local,
#                 groupadd/useradd, CA certificates) and is passed as --build-arg PYTHON_IMAGE, which
#                 replaces the pinned reference; the build is otherwise the same. Its root filesystem
#                 tarball is cached in ~/.cache/zonekeeper/image, keyed by its recipe.
# --base=auto     (default) pinned with Docker, or when the pinned base is already in podman's storage;
#                 the stand-in otherwise.
# --platform      one or more platforms (default: this machine's). With several, Docker builds them
#                 with buildx (--push pushes the multi-arch image); podman builds one image each and a
#                 manifest list named --tag (`podman manifest push --all` pushes it). Foreign
#                 architectures need qemu-user binfmt handlers on the build host.
# --tag           default zonekeeper:<version from pyproject.toml>, the chart's default image.
# --source        the org.opencontainers.image.source label (default: git's origin remote).
#
# Engine: $ZONEKEEPER_ENGINE, else docker when `docker buildx` works, else podman. The last lines are
#   image: NAME / image id: ID / image size: N MB (then the layers, for the size breakdown).
set -euo pipefail
cd "$(dirname "$0")/.."

# --install-tools: install podman and mmdebstrap from Debian's packages when missing (as root on Debian;
# scripts/test.sh does this for the image test). Quick and silent when they are there.
install_tools() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "image.sh: ${missing[*]} missing; install them (Debian: apt-get install podman mmdebstrap)" >&2; return 1
  fi
  echo "image.sh: installing ${missing[*]} from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    containernetworking-plugins uidmap fuse-overlayfs >&2
}

BASE=auto PLATFORMS="" TAG="" SOURCE="" PUSH=0
for arg in "$@"; do
  case "$arg" in
    --install-tools) install_tools; exit $? ;;
    --base=*) BASE="${arg#*=}" ;;
    --platform=*) PLATFORMS="${arg#*=}" ;;
    --tag=*) TAG="${arg#*=}" ;;
    --source=*) SOURCE="${arg#*=}" ;;
    --push) PUSH=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "image.sh: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done
case "$BASE" in auto|pinned|stand-in) ;; *) echo "image.sh: --base is auto, pinned or stand-in" >&2; exit 2 ;; esac

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n1)
TAG=${TAG:-zonekeeper:$VERSION}
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -z "$SOURCE" ]; then
  # Only a network URL says where the source is; credentials in it are never copied into a label.
  SOURCE=$(git remote get-url origin 2>/dev/null | sed -E 's#^(https?://)[^@/]*@#\1#') || true
  case "$SOURCE" in https://*|http://*|ssh://*|git@*) ;; *) SOURCE=unknown ;; esac
fi
PINNED=$(sed -n 's/^ARG PYTHON_IMAGE=//p' Dockerfile)
CACHE=${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}/image

if [ -n "${ZONEKEEPER_ENGINE:-}" ]; then
  ENGINE=$ZONEKEEPER_ENGINE
elif command -v docker >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then
  ENGINE=docker
elif command -v podman >/dev/null 2>&1; then
  ENGINE=podman
else
  echo "image.sh: needs Docker (with buildx) or podman" >&2; exit 1
fi

native_arch() {
  case "$(uname -m)" in x86_64) echo amd64 ;; aarch64|arm64) echo arm64 ;; *) uname -m ;; esac
}
PLATFORMS=${PLATFORMS:-linux/$(native_arch)}

if [ "$BASE" = auto ]; then
  if [ "$ENGINE" = docker ] || podman image exists "$PINNED" 2>/dev/null; then BASE=pinned; else BASE=stand-in; fi
fi
if [ "$BASE" = stand-in ] && [ "$ENGINE" != podman ]; then
  echo "image.sh: the stand-in base is built with podman (set ZONEKEEPER_ENGINE=podman)" >&2; exit 2
fi

# -- the stand-in base ------------------------------------------------------------------------------
# Debian bookworm's python3 (3.11) on the minbase variant (the Priority: required packages, apt among
# them: what debian:bookworm-slim, python:…-slim's own base, is built from), laid out like
# python:…-slim: the interpreter reachable as
# /usr/local/bin/python3 and python, pip installed into /usr/local (so the Dockerfile's
# `pip uninstall pip` removes it), no EXTERNALLY-MANAGED marker, no documentation. The host's CA bundle
# is copied in (and uv told to use it) so the builder reaches PyPI wherever the host does.
STANDIN_VARIANT=minbase
STANDIN_PACKAGES="python3,passwd,ca-certificates,netbase,tzdata,python3-pip-whl"
read -r -d '' STANDIN_HOOK <<'HOOK' || true
set -e
ln -sf /usr/bin/python3 "$1/usr/local/bin/python3"
ln -sf /usr/bin/python3 "$1/usr/local/bin/python"
rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED
wheel=$(cd "$1" && echo usr/share/python-wheels/pip-*.whl)
chroot "$1" python3 "/$wheel/pip" install --quiet --no-index --no-cache-dir "/$wheel"
chroot "$1" dpkg --purge python3-pip-whl
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"; fi
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$1/etc/pip.conf"
mkdir -p "$1/etc/uv" && printf 'native-tls = true\n' > "$1/etc/uv/uv.toml"
rm -rf "$1"/var/cache/* "$1"/var/lib/apt/lists/* "$1"/var/log/* "$1"/tmp/*
HOOK

stand_in() {  # stand_in ARCH -> prints the stand-in image's name, building it when missing
  local arch=$1 key name tarball
  key=$(printf '%s\n%s\n%s\n' "bookworm $arch $STANDIN_VARIANT" "$STANDIN_PACKAGES" "$STANDIN_HOOK" | sha256sum | cut -c1-12)
  name="localhost/zonekeeper-python-stand-in:bookworm-$arch-$key"
  tarball="$CACHE/stand-in-bookworm-$arch-$key.tar"
  if podman image exists "$name"; then echo "$name"; return; fi
  if [ ! -s "$tarball" ]; then
    command -v mmdebstrap >/dev/null || { echo "image.sh: the stand-in base needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 1; }
    mkdir -p "$CACHE"
    echo "image.sh: building the stand-in base ($arch) with mmdebstrap, once" >&2
    local hookdir=() excludes=()
    # Merged /usr without the usrmerge package (and the perl it pulls in).
    [ -d /usr/share/mmdebstrap/hooks/merged-usr ] && hookdir=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)
    for path in doc man locale info lintian; do excludes+=("--dpkgopt=path-exclude=/usr/share/$path/*"); done
    excludes+=("--dpkgopt=path-include=/usr/share/doc/*/copyright")
    mmdebstrap --quiet --format=tar --variant="$STANDIN_VARIANT" --architectures="$arch" --include="$STANDIN_PACKAGES" \
      "${hookdir[@]}" "${excludes[@]}" --customize-hook="$STANDIN_HOOK" bookworm "$tarball.tmp" >&2
    mv "$tarball.tmp" "$tarball"
  fi
  podman import --arch "$arch" --os linux \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
    --message "zonekeeper stand-in for python:3.12-slim (Debian bookworm python3)" \
    "$tarball" "$name" >/dev/null
  echo "$name"
}

# -- build ------------------------------------------------------------------------------------------
ARGS=(--build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "SOURCE=$SOURCE")
IFS=, read -r -a PLATFORM_LIST <<<"$PLATFORMS"
started=$(date +%s)

if [ "$ENGINE" = docker ]; then
  out=(--load)
  if [ "$PUSH" = 1 ]; then out=(--push); elif [ "${#PLATFORM_LIST[@]}" -gt 1 ]; then
    # The classic image store holds one platform per tag: a multi-arch build stays in buildx's cache
    # unless pushed.
    out=()
    echo "image.sh: several platforms without --push: built into buildx's cache only" >&2
  fi
  docker buildx build --platform "$PLATFORMS" "${ARGS[@]}" -t "$TAG" "${out[@]}" .
  if [ "${#out[@]}" -gt 0 ] && [ "${out[0]}" = --load ]; then
    id=$(docker image inspect --format '{{.Id}}' "$TAG")
    size=$(docker image inspect --format '{{.Size}}' "$TAG")
    echo "image: $TAG"; echo "image id: $id"; echo "image size: $(( (size + 500000) / 1000000 )) MB"
    docker history --format '{{.Size}}\t{{.CreatedBy}}' "$TAG" | cut -c1-150
  fi
  echo "build took $(( $(date +%s) - started )) s"
  exit 0
fi

isolation=(--isolation "${ZONEKEEPER_PODMAN_ISOLATION:-chroot}")
build_one() {  # build_one PLATFORM NAME
  local platform=$1 name=$2 arch=${1#*/} base base_args=()
  if [ "$BASE" = stand-in ]; then
    base=$(stand_in "$arch")
    base_args=(--pull=never --build-arg "PYTHON_IMAGE=$base")
  fi
  # Buildah (podman 4.x) reuses a cached LABEL step even when the ARGs it expands changed: the labels
  # that change with every commit are set on the result as well.
  podman build "${isolation[@]}" --layers --platform "$platform" "${ARGS[@]}" "${base_args[@]}" \
    --label "org.opencontainers.image.version=$VERSION" --label "org.opencontainers.image.revision=$REVISION" \
    --label "org.opencontainers.image.source=$SOURCE" -t "$name" . >&2
}

if [ "${#PLATFORM_LIST[@]}" -eq 1 ]; then
  previous=$(podman image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)
  build_one "${PLATFORM_LIST[0]}" "$TAG"
  images=("$TAG")
  # The image the tag left behind (not the layer cache, which is shared with the new one).
  if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$TAG")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
else
  images=()
  if podman manifest exists "$TAG" 2>/dev/null; then podman manifest rm "$TAG" >/dev/null; fi
  if podman image exists "$TAG" 2>/dev/null; then podman rmi "$TAG" >/dev/null; fi
  podman manifest create "$TAG" >/dev/null
  for platform in "${PLATFORM_LIST[@]}"; do
    name="$TAG-${platform#*/}"
    build_one "$platform" "$name"
    podman manifest add "$TAG" "containers-storage:$(podman image inspect --format '{{.Id}}' "$name")" >/dev/null
    images+=("$name")
  done
  if [ "$PUSH" = 1 ]; then podman manifest push --all "$TAG" "docker://$TAG"; fi
fi
if [ "$PUSH" = 1 ] && [ "${#PLATFORM_LIST[@]}" -eq 1 ]; then podman push "$TAG"; fi

for name in "${images[@]}"; do
  id=$(podman image inspect --format '{{.Id}}' "$name")
  size=$(podman image inspect --format '{{.Size}}' "$name")
  echo "image: $name ($(podman image inspect --format '{{.Os}}/{{.Architecture}}' "$name"))"
  echo "image id: $id"
  echo "image size: $(( (size + 500000) / 1000000 )) MB"
  podman history --format '{{.Size}}\t{{.CreatedBy}}' "$name" | cut -c1-150
done
echo "build took $(( $(date +%s) - started )) s (base: $BASE)"
