"""The TXT registry reuses a zone's reading while Route 53's records of the zone are unchanged, and never
serves or stores a reading limited to some names as the whole zone's (strict Route 53 endpoint)."""

from __future__ import annotations

import pytest

from tests.support.route53 import StrictRoute53Server
from zonekeeper.changes import Change
from zonekeeper.endpoint import Endpoint
from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53 import Route53Options, Route53Provider
from zonekeeper.registry.txt import TXTRegistry

pytestmark = pytest.mark.integration
OWNER = "cluster-a"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_a_zone_reading_is_reused_until_the_zone_changes(route53: StrictRoute53Server) -> None:
    zone = Zone(route53.create_zone("example.com"), "example.com")
    provider = Route53Provider(route53.client(), Route53Options(records_cache_seconds=3600))
    registry = TXTRegistry(provider, OWNER)
    first = registry.records(zone)
    assert registry.records(zone) is first
    web = Endpoint.new("web.example.com", "A", ["192.0.2.1"], ttl=300,
                       labels={"resource": "service/default/web", "owner": OWNER})
    assert registry.apply(first, [Change.create(web)]).failed == []
    second = registry.records(zone)
    assert second is not first
    assert [(r.name, r.owner) for r in second.records if r.type == "A"] == [("web.example.com", OWNER)]
    # A reading of some names is neither served from the cache nor stored as the zone's.
    partial = registry.records(zone, names={"web.example.com"})
    assert partial is not second
    assert registry.records(zone) is second
    provider.invalidate(zone)
    assert registry.records(zone) is not second
