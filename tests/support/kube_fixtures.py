"""pytest fixtures for the real kube-apiserver (``tests/support/kube.py``).

Register them once in ``tests/conftest.py``::

    pytest_plugins = ["tests.support.kube_fixtures"]

or import them where needed (a test module)::

    from tests.support.kube_fixtures import kube_cluster, kube_namespace  # noqa: F401

* ``kube_cluster`` (session): one etcd + kube-apiserver for the whole run, CRDs installed. The binaries
  are built by ``tests/kube/build.sh`` when missing (a cold build takes minutes); a failed build or
  start-up is a test error, never a skip. ``ZONEKEEPER_SKIP_KUBE=1`` skips every test that uses it.
* ``kube_namespace`` (function): a fresh namespace for one test. Namespaces are not deleted afterwards
  (there is no namespace controller to finalise them; the whole cluster goes away at session end).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator

import pytest

from .kube import KubeCluster

SKIP_ENV = "ZONEKEEPER_SKIP_KUBE"

_namespace_ids = itertools.count(1)


@pytest.fixture(scope="session")
def kube_cluster() -> Iterator[KubeCluster]:
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: tests that need kube-apiserver are disabled")
    with KubeCluster() as cluster:
        yield cluster


@pytest.fixture
def kube_namespace(kube_cluster: KubeCluster, request: pytest.FixtureRequest) -> str:
    # DNS-1123 label: lower case alphanumerics and '-', at most 63 characters.
    stem = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower()).strip("-")[:48].rstrip("-") or "test"
    name = f"{stem}-{next(_namespace_ids)}"
    kube_cluster.ensure_namespace(name)
    return name
