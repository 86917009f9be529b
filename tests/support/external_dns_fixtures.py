"""pytest fixtures for running external-dns beside zonekeeper (``tests/support/external_dns.py``).

Import them where needed (a conftest or a test module)::

    from tests.support.external_dns_fixtures import external_dns, controllers  # noqa: F401

* ``external_dns`` (session): the path of the external-dns binary built by ``tests/external_dns/build.sh``.
  Skips (with the reason) when ``ZONEKEEPER_SKIP_EXTERNAL_DNS=1`` or when the binary is not built: a cold
  build takes about 10 minutes, so tests never start one (``scripts/test.sh`` and CI build it first).
* ``controllers`` (module): both CLIs against the session's strict Route 53 endpoint, with their own HOME.
  Module-scoped so that a module can run the tools once and let several tests read the outcome; each
  module resets the endpoint itself before it starts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .external_dns import BUILD_SCRIPT, SKIP_ENV, Controllers, external_dns_binary
from .route53 import StrictRoute53Server


@pytest.fixture(scope="session")
def external_dns() -> Path:
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: the external-dns compatibility suite is disabled")
    binary = external_dns_binary()
    if binary is None:
        pytest.skip(f"external-dns is not built: run `bash {BUILD_SCRIPT.relative_to(BUILD_SCRIPT.parents[2])}` "
                    f"(about 10 min cold; scripts/test.sh does it unless {SKIP_ENV}=1)")
    return binary


@pytest.fixture(scope="module")
def controllers(external_dns: Path, strict_route53_server: StrictRoute53Server,
                tmp_path_factory: pytest.TempPathFactory) -> Controllers:
    return Controllers(external_dns, strict_route53_server, tmp_path_factory.mktemp("compat-home"))
