"""Shared fixtures: the strict Route 53 endpoint and the real kube-apiserver + etcd."""

import os
from pathlib import Path

# Subprocesses (`python -m zonekeeper.cli`, the strict endpoint) import this checkout's code too, not
# whatever checkout the environment's editable install points at (pyproject's pythonpath covers this process).
_SRC = str(Path(__file__).resolve().parent.parent / "src")
os.environ["PYTHONPATH"] = os.pathsep.join([_SRC, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])

pytest_plugins = ["tests.support.route53_fixtures", "tests.support.dynamodb_fixtures", "tests.support.kube_fixtures"]
