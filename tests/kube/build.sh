#!/usr/bin/env bash
# Builds the kube-apiserver and etcd binaries used by zonekeeper's integration tests
# (tests/support/kube.py) from their Go modules, pinned by the wrapper modules in
# tests/kube/go and tests/kube/etcd.
#
# Binaries are cached outside the repository, keyed by version:
#   ${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}/bin/kube-apiserver-<version>
#   ${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}/bin/etcd-<version>
# Idempotent: does nothing when both binaries exist. Needs Go (GO=/path/to/go to choose one)
# and the Go module proxy; GOPATH, GOMODCACHE and GOCACHE keep their defaults.
#
#   bash tests/kube/build.sh           build what is missing
#   bash tests/kube/build.sh --print   print the two binary paths (one per line) and exit
#   bash tests/kube/build.sh --force   rebuild even when the binaries exist
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}
bin_dir=$cache/bin

log() { printf 'kube/build.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The versions live in the wrapper go.mod files only; read them from there.
module_version() { # <go.mod> <module path>
    local v
    v=$(awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$1")
    [[ -n $v ]] || die "cannot find the version of $2 in $1"
    printf '%s\n' "$v"
}
kube_version=$(module_version "$here/go/go.mod" k8s.io/kubernetes)
etcd_version=$(module_version "$here/etcd/go.mod" go.etcd.io/etcd/server/v3)
# "-zk1": built with the one change below; a changed patch gets a new suffix so cached binaries are rebuilt.
apiserver_bin=$bin_dir/kube-apiserver-$kube_version-zk1
etcd_bin=$bin_dir/etcd-$etcd_version

force=0
case ${1-} in
    --print) printf '%s\n%s\n' "$apiserver_bin" "$etcd_bin"; exit 0 ;;
    --force) force=1 ;;
    "") ;;
    *) die "unknown argument '$1' (expected --print or --force)" ;;
esac

needs_build() { [[ $force == 1 || ! -x $1 ]]; }

if ! needs_build "$apiserver_bin" && ! needs_build "$etcd_bin"; then
    log "up to date: $apiserver_bin, $etcd_bin"
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
[[ -n $go && -x $go ]] || die "no Go toolchain found: install Go >= 1.21 (put it on PATH or set GO=/path/to/go)"
log "using $("$go" version) ($go)"

mkdir -p "$bin_dir" || die "cannot create $bin_dir"

# Concurrent runs (parallel CI jobs, pytest workers) wait for one another instead of building twice.
exec 9>"$bin_dir/.build.lock"
if command -v flock >/dev/null; then
    flock 9
    # Re-check: another run may have built the binaries while this one waited.
    if [[ $force == 0 && -x $apiserver_bin && -x $etcd_bin ]]; then
        log "up to date (built by a concurrent run): $apiserver_bin, $etcd_bin"
        exit 0
    fi
fi

# Build into a temporary file and rename it, so an interrupted build never leaves a binary that
# looks complete.
go_build() { # <module dir> <package> <output> [extra -ldflags] [extra go build flags]
    local dir=$1 pkg=$2 out=$3 extra=${4-} flags=${5-} tmp start
    tmp=$(mktemp "$out.XXXXXX.tmp")
    start=$SECONDS
    log "building $pkg -> $out (a cold build takes minutes: kube-apiserver ~11 min on 2 cores)"
    if ! (cd "$dir" && CGO_ENABLED=0 "$go" build -trimpath -mod=readonly -buildvcs=false \
            -ldflags="-s -w $extra" $flags -o "$tmp" "$pkg"); then
        rm -f "$tmp"
        die "go build of $pkg failed (module $dir); see the compiler output above"
    fi
    chmod 0755 "$tmp"
    mv -f "$tmp" "$out"
    log "built $out in $((SECONDS - start)) s"
}

if needs_build "$etcd_bin"; then
    go_build "$here/etcd" go.etcd.io/etcd/server/v3 "$etcd_bin"
fi

if needs_build "$apiserver_bin"; then
    # The version stamps hack/lib/version.sh sets, so /version reports the real release.
    major=${kube_version#v}; major=${major%%.*}
    minor=${kube_version#v*.}; minor=${minor%%.*}
    stamps=""
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        stamps+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
        stamps+=" -X $pkg.gitTreeState=clean"
    done
    # One change to the apiserver, for the scale benchmarks: its ClusterIP allocator (IPAddress
    # objects, locked on since 1.34) refreshes its allocated/available gauges after every allocation
    # and release by listing every IPAddress object twice (Allocator.Used, Free), so creating N
    # Services costs O(N^2): 68-82 creates/s at 1,000 Services, 17/s at 6,000 (pprof: 66 % of the
    # apiserver's CPU in Allocator.Used). The patch drops those two gauge refreshes; the gauges
    # (kube_apiserver_clusterip_allocator_allocated_ips / _available_ips) then stay at their start
    # values, which no test reads. Nothing a client sees changes.
    # Go refuses overlays of module-cache files, so the kubernetes module is a tree of symlinks to the
    # cache with that one file replaced, used through a `replace` in a scratch copy of go.mod.
    # `go list -m` prints an empty Dir for a module not yet in the module cache (a fresh machine), so
    # download it first; `go mod download -json` reports the directory it extracted.
    src_dir=$(cd "$here/go" && "$go" mod download -json k8s.io/kubernetes \
        | awk -F'"' '$2 == "Dir" { print $4; exit }')
    [[ -n $src_dir && -d $src_dir ]] \
        || die "cannot download the k8s.io/kubernetes $kube_version module source (go mod download in $here/go)"
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    cp -rs "$src_dir" "$scratch/kubernetes"
    file=pkg/registry/core/service/ipallocator/ipallocator.go
    rm "$scratch/kubernetes/$file"
    grep -v -E '^\s*a\.metrics\.set(Allocated|Available)\(a\.metricLabel, a\.(Used|Free)\(\)\)$' \
        "$src_dir/$file" >"$scratch/kubernetes/$file" || true
    [[ $(( $(wc -l <"$src_dir/$file") - $(wc -l <"$scratch/kubernetes/$file") )) == 4 ]] \
        || die "the ipallocator patch no longer applies to $src_dir/$file (kube $kube_version)"
    cp "$here/go/go.mod" "$scratch/go.mod"
    cp "$here/go/go.sum" "$scratch/go.sum"
    printf '\nreplace k8s.io/kubernetes => %s\n' "$scratch/kubernetes" >>"$scratch/go.mod"
    go_build "$here/go" k8s.io/kubernetes/cmd/kube-apiserver "$apiserver_bin" "$stamps" "-modfile=$scratch/go.mod"
fi

# A binary that cannot even print its version is useless: fail here rather than in the tests.
"$etcd_bin" --version >/dev/null || die "$etcd_bin does not run"
"$apiserver_bin" --version >/dev/null || die "$apiserver_bin does not run"
log "ready: $("$apiserver_bin" --version), etcd $etcd_version"
log "  $apiserver_bin"
log "  $etcd_bin"
