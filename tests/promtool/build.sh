#!/usr/bin/env bash
# Builds promtool, Prometheus's own rule and query checker, for tests/integration/test_monitoring.py
# (the alerts in deploy/monitoring/prometheusrule.yaml and the Grafana dashboard's queries), from the
# github.com/prometheus/prometheus Go module (`go install …/cmd/promtool@<version>`).
#
# The binary is cached outside the repository, keyed by version:
#   ${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}/bin/promtool-<version>
# Idempotent: does nothing when the binary exists. Needs Go (GO=/path/to/go to choose one) and the Go
# module proxy; a cold build is a few minutes on 2 cores. GOPATH, GOMODCACHE and GOCACHE keep their defaults.
#
#   bash tests/promtool/build.sh           build it when missing
#   bash tests/promtool/build.sh --print   print the binary's path and exit
set -euo pipefail

cache=${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}
bin_dir=$cache/bin
version=v0.316.0
promtool_bin=$bin_dir/promtool-$version

log() { printf 'promtool/build.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case ${1-} in
    --print) printf '%s\n' "$promtool_bin"; exit 0 ;;
    "") ;;
    *) die "unknown argument '$1' (expected --print)" ;;
esac

if [[ -x $promtool_bin ]]; then
    log "up to date: $promtool_bin"
    exit 0
fi
go=${GO:-$(command -v go || true)}
[[ -n $go && -x $go ]] || die "Go is needed to build promtool (set GO=/path/to/go)"

mkdir -p "$bin_dir"
scratch=$(mktemp -d "$bin_dir/promtool-$version.XXXXXX.tmp")
trap 'rm -rf "$scratch"' EXIT
log "building promtool $version (cold: a few minutes)"
started=$SECONDS
GOBIN=$scratch GOFLAGS=-mod=mod "$go" install "github.com/prometheus/prometheus/cmd/promtool@$version"
mv "$scratch/promtool" "$promtool_bin"
log "built $promtool_bin in $((SECONDS - started)) s"
