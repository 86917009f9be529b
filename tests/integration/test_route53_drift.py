"""Drift found through the zone's authoritative name servers (providers/route53/drift.py, dnsprobe.py):
the strict Route 53 endpoint holds the zone, a real Knot DNS server on loopback serves the same content,
as Route 53's name servers would; records edited "in the console" are changed at both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.knot import KnotServer
from tests.support.route53 import StrictRoute53Server
from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53 import Route53Options, Route53Provider
from zonekeeper.providers.route53.dnsprobe import DnsDriftCheck

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

HOUR = 3600.0
PLAIN = 320  # A + TXT record sets at 320 names: 640 record sets, 3 pages of ListResourceRecordSets


@pytest.fixture(scope="module")
def knot() -> Iterator[KnotServer]:
    with KnotServer() as server:
        yield server


def change(route53: StrictRoute53Server, zone_id: str, action: str, *rrsets: dict[str, Any]) -> None:
    for start in range(0, len(rrsets), 500):
        route53.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": action, "ResourceRecordSet": r} for r in rrsets[start:start + 500]]})


def a(name: str, ip: str, ttl: int = 300) -> dict[str, Any]:
    return {"Name": name, "Type": "A", "TTL": ttl, "ResourceRecords": [{"Value": ip}]}


def txt(name: str, value: str) -> dict[str, Any]:
    return {"Name": name, "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": f'"{value}"'}]}


def listed(route53: StrictRoute53Server, zone_id: str) -> list[dict[str, Any]]:
    pages = route53.harness.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
    return [r for page in pages for r in page["ResourceRecordSets"]]


class World:
    def __init__(self, route53: StrictRoute53Server, knot: KnotServer, zone_name: str = "example.com",
                 servers: tuple[tuple[str, int], ...] | None = None) -> None:
        self.route53, self.knot = route53, knot
        self.zone_id = route53.create_zone(zone_name)
        self.zone = Zone(self.zone_id, zone_name)
        self.now = [1000.0]
        self.check = DnsDriftCheck(servers=servers or (("127.0.0.1", knot.port),), timeout=5.0)
        self.provider = Route53Provider(route53.client(), Route53Options(records_cache_seconds=HOUR),
                                        clock=lambda: self.now[0], drift=self.check)

    def sync_dns(self) -> None:
        self.knot.serve(self.zone.name, listed(self.route53, self.zone_id))

    def read_after(self, seconds: float) -> dict[tuple[str, str], tuple[str, ...]]:
        self.now[0] += seconds
        self.route53.reset_counts()
        return {(e.name, e.type): e.targets for e in self.provider.records(self.zone)}

    @property
    def list_calls(self) -> int:
        return int(self.route53.counts["ListResourceRecordSets"])


@pytest.fixture
def world(route53: StrictRoute53Server, knot: KnotServer) -> World:
    w = World(route53, knot)
    change(route53, w.zone_id, "CREATE", *(a(f"h{i}.example.com", f"192.0.2.{i % 250 + 1}") for i in range(PLAIN)),
           *(txt(f"h{i}.example.com", f"owner-{i}") for i in range(PLAIN)))
    w.sync_dns()
    w.read_after(0)
    assert w.list_calls == 3  # the first read lists the zone
    return w


def test_records_the_name_servers_vouch_for_cost_no_api_call(world: World) -> None:
    records = world.read_after(HOUR + 1)
    assert world.list_calls == 0
    assert world.check.queries == 2 * PLAIN
    assert records[("h7.example.com", "A")] == ("192.0.2.8",)
    # Vouched for: the next hour is trusted again without asking.
    world.read_after(HOUR - 10)
    assert world.list_calls == 0 and world.check.queries == 2 * PLAIN


def test_records_edited_in_the_console_are_read_again_one_name_each(world: World) -> None:
    change(world.route53, world.zone_id, "UPSERT", a("h3.example.com", "198.51.100.3"))
    change(world.route53, world.zone_id, "DELETE", txt("h5.example.com", "owner-5"))
    world.sync_dns()
    records = world.read_after(HOUR + 1)
    assert world.list_calls == 2  # one read per drifted name instead of the zone's 3 pages
    assert records[("h3.example.com", "A")] == ("198.51.100.3",)
    assert ("h5.example.com", "TXT") not in records
    assert records[("h5.example.com", "A")] == ("192.0.2.6",)


def test_a_ttl_changed_in_the_console_is_drift(world: World) -> None:
    change(world.route53, world.zone_id, "UPSERT", a("h4.example.com", "192.0.2.5", ttl=60))
    world.sync_dns()
    world.read_after(HOUR + 1)
    assert world.list_calls == 1
    assert {e.name: e.ttl for e in world.provider.records(world.zone) if e.type == "A"}["h4.example.com"] == 60


def test_aliases_and_routing_policies_are_read_through_the_api(world: World) -> None:
    alias = {"Name": "lb.example.com", "Type": "A", "AliasTarget": {
        "HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": "lb-1.us-east-1.elb.amazonaws.com.",
        "EvaluateTargetHealth": True}}
    weighted = [{**a("w.example.com", f"192.0.2.{n}"), "SetIdentifier": f"w{n}", "Weight": n} for n in (1, 2)]
    change(world.route53, world.zone_id, "CREATE", alias, *weighted)
    world.sync_dns()
    world.provider.invalidate(world.zone)
    world.read_after(0)
    assert world.list_calls == 3
    world.read_after(HOUR + 1)
    assert world.list_calls == 2  # lb.example.com A, w.example.com A (both weights in one read)


def test_a_dead_name_server_means_a_full_list(route53: StrictRoute53Server, knot: KnotServer) -> None:
    dead = KnotServer()  # never started: its port answers nothing
    w = World(route53, knot, servers=(("127.0.0.1", dead.port),))
    change(route53, w.zone_id, "CREATE", *(a(f"h{i}.example.com", "192.0.2.1") for i in range(PLAIN)))
    w.read_after(0)
    w.read_after(HOUR + 1)
    assert w.list_calls == 2
    dead.stop()


def test_a_zone_the_name_server_does_not_serve_means_a_full_list(route53: StrictRoute53Server,
                                                                  knot: KnotServer) -> None:
    # Knot refuses (not authoritative) for a zone it does not hold: no answer is trusted.
    w = World(route53, knot, zone_name="unserved.example.org")
    change(route53, w.zone_id, "CREATE", a("x.unserved.example.org", "192.0.2.1"))
    w.read_after(0)
    w.read_after(HOUR + 1)
    assert w.list_calls == 1


def test_private_zones_are_listed(route53: StrictRoute53Server, knot: KnotServer) -> None:
    w = World(route53, knot)
    zone_id = route53.create_zone("internal.example.com", private=True)
    w.zone, w.zone_id = Zone(zone_id, "internal.example.com", private=True), zone_id
    change(route53, zone_id, "CREATE", a("x.internal.example.com", "10.0.0.1"))
    w.sync_dns()
    w.read_after(0)
    w.read_after(HOUR + 1)
    assert w.list_calls == 1 and w.check.queries == 0


def test_the_zone_is_still_listed_in_full_every_day(world: World) -> None:
    for _ in range(23):
        world.read_after(HOUR + 1)
        assert world.list_calls == 0
    world.read_after(HOUR + 1)
    assert world.list_calls == 3
