#!/usr/bin/env bash
# Builds connector-server (tests/connector/main.go): a remote server for external-dns's `connector`
# source made from external-dns v0.23.0's own endpoint package, so the gob bytes it serves are the real
# encoding of []*endpoint.Endpoint. Cached as ${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}/bin/connector-server-<version>.
# go.mod/go.sum pin the module graph; go.sum was made with `go mod tidy -e` (plain tidy fails: it also
# resolves external-dns's test imports, whose openshift modules the proxy does not serve; the build
# itself never needs them). Needs Go and the module proxy; GOTOOLCHAIN=go1.27.3 as external_dns/build.sh.
#
#   bash tests/connector/build.sh           build when missing
#   bash tests/connector/build.sh --print   print the binary's path
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${ZONEKEEPER_CACHE:-$HOME/.cache/zonekeeper}
bin=$cache/bin/connector-server-v0.23.0
case ${1-} in
    --print) printf '%s\n' "$bin"; exit 0 ;;
    "") ;;
    *) echo "connector/build.sh: unknown argument '$1'" >&2; exit 1 ;;
esac
# Rebuilt when its source is newer than the binary.
if [[ -x $bin && $bin -nt $here/main.go && $bin -nt $here/go.sum ]]; then
    exit 0
fi
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
mkdir -p "$(dirname "$bin")"
tmp=$(mktemp "$bin.XXXXXX.tmp")
trap 'rm -f "$tmp"' EXIT
(cd "$here" && GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0 "$go" build -trimpath -mod=readonly -buildvcs=false -o "$tmp" .)
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
echo "connector/build.sh: built $bin" >&2
