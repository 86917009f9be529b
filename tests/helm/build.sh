#!/usr/bin/env bash
# Builds the helm CLI used by zonekeeper's chart tests (tests/integration/test_helm_chart.py) and by
# deploy/render.sh, from its Go module, pinned by the wrapper module in tests/helm/go.
#
# The binary is cached outside the repository, keyed by version:
#   ${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}/bin/helm-<version>
# Idempotent: does nothing when the binary exists. Needs Go (GO=/path/to/go to choose one) and the
# Go module proxy; GOPATH, GOMODCACHE and GOCACHE keep their defaults.
#
#   bash tests/helm/build.sh           build it when missing
#   bash tests/helm/build.sh --print   print the binary's path and exit
#   bash tests/helm/build.sh --force   rebuild even when the binary exists
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}
bin_dir=$cache/bin
module=helm.sh/helm/v4

log() { printf 'helm/build.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The version lives in the wrapper go.mod only; read it from there.
helm_version=$(awk -v m="$module" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$here/go/go.mod")
[[ -n $helm_version ]] || die "cannot find the version of $module in $here/go/go.mod"
helm_bin=$bin_dir/helm-$helm_version

force=0
case ${1-} in
    --print) printf '%s\n' "$helm_bin"; exit 0 ;;
    --force) force=1 ;;
    "") ;;
    *) die "unknown argument '$1' (expected --print or --force)" ;;
esac

if [[ $force == 0 && -x $helm_bin ]]; then
    log "up to date: $helm_bin"
    exit 0
fi

go=${GO:-}
if [[ -n $go && ! -x $go ]]; then
    die "GO=$go is not an executable file"
elif [[ -z $go ]]; then
    go=$(command -v go || true)
    if [[ -z $go && -x /usr/local/go/bin/go ]]; then
        go=/usr/local/go/bin/go
    fi
fi
[[ -n $go && -x $go ]] || die "no Go toolchain found: install Go >= 1.26 (put it on PATH or set GO=/path/to/go)"
log "using $("$go" version) ($go)"

mkdir -p "$bin_dir" || die "cannot create $bin_dir"

# Concurrent runs (parallel CI jobs, pytest workers) wait for one another instead of building twice.
exec 9>"$bin_dir/.build-helm.lock"
if command -v flock >/dev/null; then
    flock 9
    # Re-check: another run may have built the binary while this one waited.
    if [[ $force == 0 && -x $helm_bin ]]; then
        log "up to date (built by a concurrent run): $helm_bin"
        exit 0
    fi
fi

# The version stamps helm's Makefile sets for a release build, so `helm version` tells the truth.
# gitCommit stays empty: the module zip carries no VCS metadata.
stamps="-X $module/internal/version.version=$helm_version -X $module/internal/version.metadata="
stamps+=" -X $module/internal/version.gitTreeState=clean"

# Build into a temporary file and rename it, so an interrupted build never leaves a binary that
# looks complete.
tmp=$(mktemp "$helm_bin.XXXXXX.tmp")
trap 'rm -f "$tmp"' EXIT
start=$SECONDS
log "building $module/cmd/helm $helm_version -> $helm_bin (a cold build takes a few minutes on 2 cores)"
if ! (cd "$here/go" && CGO_ENABLED=0 "$go" build -trimpath -mod=readonly -buildvcs=false \
        -ldflags="-s -w $stamps" -o "$tmp" "$module/cmd/helm"); then
    die "go build of $module/cmd/helm failed (module $here/go); see the compiler output above"
fi
chmod 0755 "$tmp"
mv -f "$tmp" "$helm_bin"
trap - EXIT
log "built $helm_bin in $((SECONDS - start)) s"

# A binary that cannot even print its version is useless: fail here rather than in the tests.
version=$("$helm_bin" version --short) || die "$helm_bin does not run"
[[ $version == "$helm_version"* ]] || die "$helm_bin reports version '$version', expected $helm_version"
log "ready: helm $version"
log "  $helm_bin"
