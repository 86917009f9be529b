"""pytest fixtures for the strict Route 53 endpoint.

Import them where needed (a conftest or a test module)::

    from tests.support.route53_fixtures import route53, route53_client, strict_route53_server  # noqa: F401

* ``strict_route53_server`` (session): one server for the whole run (start-up is ~10 ms, but moto's
  import is not).
* ``route53`` (function): the same server, reset before the test -- no zones, no counts, no
  recorded batches or errors, no rate limit or injected errors.
* ``route53_client`` (function): a boto3 Route 53 client for it (botocore defaults: legacy retries).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .route53 import StrictRoute53Server


@pytest.fixture(scope="session")
def strict_route53_server() -> Iterator[StrictRoute53Server]:
    with StrictRoute53Server() as server:
        yield server


@pytest.fixture
def route53(strict_route53_server: StrictRoute53Server) -> Iterator[StrictRoute53Server]:
    strict_route53_server.reset()
    yield strict_route53_server
    strict_route53_server.set_rate_limit(None)


@pytest.fixture
def route53_client(route53: StrictRoute53Server) -> Any:
    return route53.client()
