"""The Route 53 provider's request paths against the strict endpoint: paging, zone filters and caches,
the leadership fence, and every way a change batch can be refused (named change, unnamed change,
oversized group, request error), each refusal confined to its own change group."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.route53 import StrictRoute53Server
from zonekeeper.changes import Change, ChangeGroup, group_by_name
from zonekeeper.endpoint import Endpoint
from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53 import Route53Options, Route53Provider

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def provider(route53: StrictRoute53Server, **options: Any) -> Route53Provider:
    return Route53Provider(route53.client(), Route53Options(**options))


def a(name: str, ip: str, ttl: int = 300) -> Endpoint:
    return Endpoint.new(name, "A", [ip], ttl=ttl)


def names(route53: StrictRoute53Server, zone_id: str) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for page in route53.harness.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        for r in page["ResourceRecordSets"]:
            out[(r["Name"].rstrip("."), r["Type"])] = sorted(v["Value"] for v in r.get("ResourceRecords", []))
    return out


def creates(*endpoints: Endpoint) -> list[ChangeGroup]:
    return group_by_name([Change.create(e) for e in endpoints])


def test_records_page_through_more_than_one_page_and_skip_the_zone_apex_ns(route53: StrictRoute53Server) -> None:
    zone_id = route53.create_zone("example.com")
    p = provider(route53)
    zone = next(z for z in p.zones() if z.id == zone_id)
    wanted = [a(f"h{i:03}.example.com", f"10.1.{i // 250}.{i % 250}") for i in range(350)]
    result = p.apply(zone, creates(*wanted))
    assert result.failed == []
    route53.reset_counts()
    read = p.records(zone)
    assert route53.counts["ListResourceRecordSets"] == 2  # 300 a page
    assert sorted(e.name for e in read if e.type == "A") == sorted(e.name for e in wanted)
    # The zone's own NS is never ours; SOA is not a type zonekeeper reads at all.
    assert {e.type for e in read} == {"A"}


def test_a_delegation_below_the_apex_is_read(route53: StrictRoute53Server) -> None:
    zone_id = route53.create_zone("example.com")
    route53.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {"Name": "sub.example.com.", "Type": "NS", "TTL": 300,
                                                  "ResourceRecords": [{"Value": "ns1.example.org."}]}}]})
    p = provider(route53)
    read = p.records(Zone(zone_id, "example.com"))
    assert [(e.name, e.type) for e in read] == [("sub.example.com", "NS")]


def test_zones_are_cached_for_the_configured_time(route53: StrictRoute53Server) -> None:
    route53.create_zone("example.com")
    now = [1000.0]
    p = Route53Provider(route53.client(), Route53Options(zones_cache_seconds=60), clock=lambda: now[0])
    assert [z.name for z in p.zones()] == ["example.com"]
    route53.create_zone("example.org")
    route53.reset_counts()
    now[0] += 59
    assert [z.name for z in p.zones()] == ["example.com"]
    assert route53.counts["ListHostedZones"] == 0
    now[0] += 1
    assert sorted(z.name for z in p.zones()) == ["example.com", "example.org"]
    assert route53.counts["ListHostedZones"] == 1


def test_records_are_cached_and_kept_in_step_with_what_was_applied(route53: StrictRoute53Server) -> None:
    zone_id = route53.create_zone("example.com")
    now = [1000.0]
    p = Route53Provider(route53.client(), Route53Options(records_cache_seconds=60), clock=lambda: now[0])
    zone = Zone(zone_id, "example.com")
    assert p.records(zone) == []
    before = p.generation(zone)
    assert p.apply(zone, creates(a("web.example.com", "10.0.0.1"))).failed == []
    assert p.generation(zone) != before
    route53.reset_counts()
    assert [(e.name, e.targets) for e in p.records(zone)] == [("web.example.com", ("10.0.0.1",))]
    assert route53.counts["ListResourceRecordSets"] == 0
    # Updated and deleted records leave the cache too.
    old = p.records(zone)[0]
    assert p.apply(zone, group_by_name([Change.update(old, a("web.example.com", "10.0.0.2"))])).failed == []
    assert [e.targets for e in p.records(zone)] == [("10.0.0.2",)]
    assert p.apply(zone, group_by_name([Change.delete(p.records(zone)[0])])).failed == []
    assert p.records(zone) == []
    assert route53.counts["ListResourceRecordSets"] == 0
    now[0] += 60
    p.records(zone)
    assert route53.counts["ListResourceRecordSets"] == 1
    generation = p.generation(zone)
    p.invalidate(zone)
    assert p.generation(zone) != generation
    p.records(zone)
    assert route53.counts["ListResourceRecordSets"] == 2
    generation = p.generation(zone)
    p.invalidate()
    assert p.generation(zone) != generation


def test_a_deposed_leader_sends_nothing(route53: StrictRoute53Server) -> None:
    zone_id = route53.create_zone("example.com")
    p = provider(route53)
    p.fence = lambda: 0.0  # no lease left (the fence answers the seconds the lease is still ours)
    result = p.apply(Zone(zone_id, "example.com"), creates(a("web.example.com", "10.0.0.1"), a("api.example.com", "10.0.0.2")))
    assert result.applied == [] and result.requests == 0
    assert sorted((c.endpoint.name, why) for c, why in result.failed) == [
        ("api.example.com", "not applied: this replica is no longer the leader"),
        ("web.example.com", "not applied: this replica is no longer the leader")]
    assert route53.counts["ChangeResourceRecordSets"] == 0
    p.fence = lambda: 30.0
    assert [c.endpoint.name for c in p.apply(Zone(zone_id, "example.com"),
                                             creates(a("web.example.com", "10.0.0.1"))).applied] == ["web.example.com"]


def test_a_refused_request_fails_every_group_and_drops_the_cache(route53: StrictRoute53Server) -> None:
    zone_id = route53.create_zone("example.com")
    p = provider(route53, records_cache_seconds=3600)
    zone = Zone(zone_id, "example.com")
    p.records(zone)
    generation = p.generation(zone)
    route53.inject_error("ChangeResourceRecordSets", "AccessDenied", "User is not authorized", status=403, times=5)
    result = p.apply(zone, creates(a("web.example.com", "10.0.0.1"), a("api.example.com", "10.0.0.2")))
    assert result.applied == [] and result.requests == 1  # one request: not narrowed down, not retried per group
    assert sorted((c.endpoint.name, why) for c, why in result.failed) == [
        ("api.example.com", "AccessDenied: User is not authorized"),
        ("web.example.com", "AccessDenied: User is not authorized")]
    assert p.generation(zone) != generation


def test_an_unreachable_endpoint_fails_the_groups_without_raising() -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client("route53", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                          aws_access_key_id="x", aws_secret_access_key="x",
                          config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    p = Route53Provider(client)
    result = p.apply(Zone("Z1", "example.com"), creates(a("web.example.com", "10.0.0.1")))
    assert result.applied == []
    [(change, why)] = result.failed
    assert change.endpoint.name == "web.example.com" and why.startswith("request failed: ")


def test_a_group_route53_names_fails_alone_in_one_more_request(route53: StrictRoute53Server) -> None:
    zone_id = route53.create_zone("example.com")
    p = provider(route53)
    zone = Zone(zone_id, "example.com")
    route53.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {"Name": "taken.example.com.", "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})
    route53.reset_counts()
    result = p.apply(zone, creates(*(a(f"n{i}.example.com", f"10.0.0.{i}") for i in range(4)),
                                   a("taken.example.com", "10.0.0.9")))
    assert [c.endpoint.name for c, _ in result.failed] == ["taken.example.com"]
    assert "already exists" in result.failed[0][1]
    assert sorted(c.endpoint.name for c in result.applied) == [f"n{i}.example.com" for i in range(4)]
    assert route53.counts["ChangeResourceRecordSets"] == 2
    assert names(route53, zone_id)[("taken.example.com", "A")] == ["192.0.2.1"]


def test_unattributed_refusals_are_bisected_down_to_the_bad_group(route53: StrictRoute53Server) -> None:
    zone_id = route53.create_zone("example.com")
    p = provider(route53)
    zone = Zone(zone_id, "example.com")
    good = [a(f"g{i}.example.com", f"10.0.0.{i}") for i in range(3)]
    # A value Route 53 refuses; its message names the value, not the record, so the provider must bisect.
    bad = Endpoint("bad.example.com", "A", ("300.1.1.1",), ttl=300)
    result = p.apply(zone, creates(*good, bad))
    assert [c.endpoint.name for c, _ in result.failed] == ["bad.example.com"]
    assert "ARRDATAIllegalIPv4Address" in result.failed[0][1]
    assert sorted(c.endpoint.name for c in result.applied) == [e.name for e in good]
    assert result.requests >= 3  # the whole batch, then halves
    assert set(names(route53, zone_id)) >= {(e.name, "A") for e in good}
    assert ("bad.example.com", "A") not in names(route53, zone_id)


def test_an_oversized_group_fails_alone(route53: StrictRoute53Server) -> None:
    zone_id = route53.create_zone("example.com")
    p = provider(route53, batch_change_size_values=3)
    zone = Zone(zone_id, "example.com")
    big = Endpoint.new("big.example.com", "A", [f"10.0.9.{i}" for i in range(5)])
    result = p.apply(zone, creates(big, a("small.example.com", "10.0.0.1")))
    assert [c.endpoint.name for c, _ in result.failed] == ["big.example.com"]
    assert result.failed[0][1]  # the reason is given
    assert [c.endpoint.name for c in result.applied] == ["small.example.com"]


def test_zone_filters(route53: StrictRoute53Server) -> None:
    public = route53.create_zone("example.com")
    private = route53.create_zone("example.com", private=True)
    other = route53.create_zone("other.org", tags={"team": "x", "env": "prod"})
    third = route53.create_zone("third.org", tags={"team": "y"})
    assert {z.id for z in provider(route53, zone_type="public").zones()} == {public, other, third}
    assert {z.id for z in provider(route53).zones()} == {public, private, other, third}
    assert {z.id for z in provider(route53, zone_type="private").zones()} == {private}
    assert [z.private for z in provider(route53, zone_type="private").zones()] == [True]
    assert [z.id for z in provider(route53, zone_id_filter=(f"/hostedzone/{other}",)).zones()] == [other]
    assert [z.id for z in provider(route53, zone_tags=(("team", "x"), ("env", None))).zones()] == [other]
    assert provider(route53, zone_tags=(("team", "x"), ("env", "dev"))).zones() == []
    assert provider(route53, zone_tags=(("missing", None),)).zones() == []
    only_org = Route53Provider(route53.client(), zone_filter=lambda name: name.endswith(".org"))
    assert sorted(z.name for z in only_org.zones()) == ["other.org", "third.org"]


def test_zone_tags_are_read_ten_zones_at_a_time(route53: StrictRoute53Server) -> None:
    ids = [route53.create_zone(f"z{i:02}.example", tags={"team": "x"}) for i in range(12)]
    route53.reset_counts()
    found = provider(route53, zone_tags=(("team", "x"),)).zones()
    assert sorted(z.id for z in found) == sorted(ids)
    assert route53.counts["ListTagsForResources"] == 2
