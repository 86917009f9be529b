#!/usr/bin/env bash
# Builds the external-dns binary that zonekeeper's compatibility suite (tests/compat/) runs beside
# zonekeeper, from the sigs.k8s.io/external-dns module source the Go module proxy serves.
#
# Nothing of external-dns is kept in this repository: the module source is downloaded into the module
# cache, copied to a scratch directory and trimmed there before the build:
#   - the civo and exoscale providers and the openshift-route source go, because their dependencies
#     (github.com/civo/civogo, github.com/exoscale/egoscale/v3, github.com/openshift/api and the
#     openshift client-go built on it) are not served by the proxy;
#   - every other provider except aws, inmemory and webhook (the controller imports webhook's API)
#     goes from the provider factory too (16 more: alibabacloud, awssd, azure, cloudflare, coredns, ...),
#     so their SDKs are never compiled; a cold build is about 10 min on 2 cores (9 min measured).
# Every source except openshift-route stays. A trimmed provider fails at start-up with
# "unknown dns provider".
#
# The binary is cached outside the repository, keyed by version:
#   ${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}/bin/external-dns-<version>
# Idempotent: does nothing when the binary exists. Needs Go (GO=/path/to/go to choose one) and the
# Go module proxy; external-dns needs Go 1.27, so the build runs with GOTOOLCHAIN=go1.27.3 (the
# proxy serves that toolchain). GOPATH, GOMODCACHE and GOCACHE keep their defaults.
#
#   bash tests/external_dns/build.sh           build it when missing
#   bash tests/external_dns/build.sh --print   print the binary's path and exit
#   bash tests/external_dns/build.sh --force   rebuild even when the binary exists
set -euo pipefail

cache=${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}
bin_dir=$cache/bin
module=sigs.k8s.io/external-dns
version=v0.23.0
toolchain=go1.27.3
external_dns_bin=$bin_dir/external-dns-$version

# The providers the trimmed build keeps (directory names under provider/).
kept_providers="aws inmemory webhook"
# The modules no kept package imports that the proxy does not serve: the build must not even read
# their go.mod files, so their requirements are dropped.
unserved_modules="github.com/civo/civogo github.com/exoscale/egoscale/v3 github.com/openshift/api
    github.com/openshift/client-go"

log() { printf 'external_dns/build.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

force=0
case ${1-} in
    --print) printf '%s\n' "$external_dns_bin"; exit 0 ;;
    --force) force=1 ;;
    "") ;;
    *) die "unknown argument '$1' (expected --print or --force)" ;;
esac

if [[ $force == 0 && -x $external_dns_bin ]]; then
    log "up to date: $external_dns_bin"
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
export GOTOOLCHAIN=$toolchain
log "using $("$go" version) ($go, GOTOOLCHAIN=$GOTOOLCHAIN)"

mkdir -p "$bin_dir" || die "cannot create $bin_dir"

# Concurrent runs (parallel CI jobs, pytest workers) wait for one another instead of building twice.
exec 9>"$bin_dir/.build-external-dns.lock"
if command -v flock >/dev/null; then
    flock 9
    # Re-check: another run may have built the binary while this one waited.
    if [[ $force == 0 && -x $external_dns_bin ]]; then
        log "up to date (built by a concurrent run): $external_dns_bin"
        exit 0
    fi
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/zonekeeper-external-dns.XXXXXX")
tmp=$(mktemp "$external_dns_bin.XXXXXX.tmp")
trap 'rm -rf "$scratch" "$tmp"' EXIT

# The module cache is read-only and shared: trim a copy. `go mod download` runs outside any module.
start=$SECONDS
source_dir=$(cd "$scratch" && "$go" mod download -json "$module@$version" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[[ -n $source_dir && -f $source_dir/go.mod ]] || die "go mod download of $module@$version gave no source directory"
src=$scratch/external-dns
cp -R "$source_dir" "$src"
chmod -R u+w "$src"
log "trimming the source copy in $src"

# Each edit below is checked: a newer external-dns that moved things must fail here, loudly, rather
# than build something else.
must_contain() { # <file> <extended regexp>
    grep -Eq "$2" "$1" || die "$1 no longer matches /$2/: the trim in $0 needs updating for $version"
}

# 1. Providers: delete the directories and their lines in the factory (one import, one map entry each).
factory=$src/provider/factory/provider.go
must_contain "$factory" '^func providers\('
for dir in "$src"/provider/*/; do
    name=$(basename "$dir")
    case " $kept_providers factory blueprint fakes " in *" $name "*) continue ;; esac
    # A directory the factory does not import is a helper of the providers (blueprint, fakes): keep it.
    grep -q "\"$module/provider/$name\"" "$factory" || continue
    rm -rf "$dir"
    sed -i -E "\\#^[[:space:]]*\"$module/provider/$name\"\$#d; /^[[:space:]]*externaldns\\.Provider[A-Za-z0-9]+:[[:space:]]+$name\\.New[A-Za-z]*,\$/d" \
        "$factory"
    if grep -q "$name\\." "$factory"; then die "$factory still uses provider $name after the trim"; fi
done
for name in $kept_providers; do
    [[ -d $src/provider/$name ]] || die "provider/$name is missing from $module@$version"
done

# 2. The openshift-route source: its files, its client in the shared client generator, its builder.
store=$src/source/store.go
must_contain "$store" '^func \(p \*SingletonClientGenerator\) OpenShiftClient\('
must_contain "$store" '^func buildOpenShiftRouteSource\('
must_contain "$store" 'case types\.OpenShiftRoute:'
rm -f "$src"/source/openshift_route*.go
sed -i -E '
    /^[[:space:]]*openshift "github.com\/openshift\/client-go\/route\/clientset\/versioned"$/d
    /^[[:space:]]*OpenShiftClient\(\) \(openshift\.Interface, error\)$/d
    /^[[:space:]]*(openshiftClient|openshiftClientErr|openshiftOnce)[[:space:]]/d
    /^\/\/ OpenShiftClient generates/d
    /^func \(p \*SingletonClientGenerator\) OpenShiftClient\(/,/^}$/d
    /^func buildOpenShiftRouteSource\(/,/^}$/d
    /^[[:space:]]*case types\.OpenShiftRoute:$/{N;d}
' "$store"
if grep -qi 'openshift\.' "$store"; then die "$store still uses the openshift client after the trim"; fi

# 3. go.mod: drop the requirements the proxy cannot serve. Nothing left imports them, and the
# graph (pruned, go >= 1.17) then never reads their go.mod files. The other trimmed providers' SDKs
# stay required but unbuilt; go.sum already holds every remaining hash, so -mod=readonly holds.
for m in $unserved_modules; do
    (cd "$src" && "$go" mod edit -droprequire="$m") || die "go mod edit -droprequire=$m failed"
done
log "trimmed in $((SECONDS - start)) s: kept providers: $kept_providers; all sources but openshift-route"

# Build into a temporary file and rename it, so an interrupted build never leaves a binary that
# looks complete. The version stamp is the one external-dns's Makefile sets.
build_start=$SECONDS
log "building $module $version -> $external_dns_bin (about 10 min cold on 2 cores; seconds with a warm Go build cache)"
if ! (cd "$src" && CGO_ENABLED=0 nice -n 5 "$go" build -trimpath -mod=readonly -buildvcs=false \
        -ldflags="-s -w -X $module/pkg/apis/externaldns.Version=$version" -o "$tmp" .); then
    die "go build of $module failed (trimmed source $src); see the compiler output above"
fi
chmod 0755 "$tmp"
mv -f "$tmp" "$external_dns_bin"
log "built $external_dns_bin in $((SECONDS - build_start)) s ($(du -h "$external_dns_bin" | cut -f1))"

# A binary that cannot even print its version is useless: fail here rather than in the tests.
reported=$("$external_dns_bin" --version 2>&1) || die "$external_dns_bin does not run"
[[ $reported == *"$version"* ]] || die "$external_dns_bin reports version '$reported', expected $version"
log "ready: external-dns $reported"
log "  $external_dns_bin"
