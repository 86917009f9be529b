#!/usr/bin/env bash
# Runs zonekeeper's main job on an embedded default: example manifests planned and applied against
# a local Route 53 endpoint this command starts itself, then a second plan with nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
exec uv run python scripts/demo.py
