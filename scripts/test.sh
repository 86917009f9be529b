#!/usr/bin/env bash
# Installs everything (uv, the locked environment, the kube-apiserver/etcd test binaries) and runs
# the linters and the whole test suite. Usage: scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
# kube-apiserver, etcd and helm are built from their Go modules once and cached outside the repo.
if [ "${ZONEKEEPER_SKIP_KUBE:-0}" != "1" ]; then
  bash tests/kube/build.sh
  bash tests/helm/build.sh
  # promtool checks the shipped alerts and dashboard (tests/integration/test_monitoring.py).
  bash tests/promtool/build.sh
  # external-dns itself, for the compatibility suite (tests/compat): ~10 min cold, cached like the others.
  [ "${ZONEKEEPER_SKIP_EXTERNAL_DNS:-0}" = "1" ] || bash tests/external_dns/build.sh
  # connector-server: gob endpoints from external-dns's own endpoint package (tests/connector), seconds.
  bash tests/connector/build.sh
fi
# The drift tests ask a real authoritative DNS server (Knot, from Debian) on loopback.
if ! [ -x /usr/sbin/knotd ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq knot >&2
  else
    echo "test.sh: Knot DNS is missing; install it (Debian: apt-get install knot)" >&2; exit 1
  fi
fi
# The image test builds the Dockerfile with podman on a stand-in base from mmdebstrap.
[ "${ZONEKEEPER_SKIP_IMAGE:-0}" = "1" ] || bash scripts/image.sh --install-tools
echo "== ruff"
uv run ruff check src tests benchmarks scripts
echo "== mypy"
uv run mypy
echo "== pytest"
set +e
uv run pytest -q -p no:cacheprovider "$@"
status=$?
set -e
# pytest's 5 means "no tests ran": that is a failure here, never a pass.
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
# Tests that can fail: a stable sample of mutants of the planner and the annotation readers must be killed
# by the unit tests, or be listed with a reason in scripts/mutation_accepted.yaml (a few minutes on 2 cores;
# the full run of every core module is `uv run python scripts/mutation.py --jobs 2`). ZONEKEEPER_SKIP_MUTATION=1 skips it.
if [ "$status" -eq 0 ] && [ "${ZONEKEEPER_SKIP_MUTATION:-0}" != "1" ]; then
  echo "== mutation testing (quick sample)"
  uv run python scripts/mutation.py plan annotations --quick 8 --jobs 2 --budget 900 || status=1
fi
exit "$status"
