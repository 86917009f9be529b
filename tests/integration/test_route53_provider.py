"""The Route 53 provider and the whole pipeline against the strict Route 53 endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.route53 import StrictRoute53Server
from zonekeeper.config import ConfigError, Settings
from zonekeeper.endpoint import Endpoint
from zonekeeper.metrics import Metrics
from zonekeeper.providers.base import HttpRequest
from zonekeeper.providers.route53 import Route53Provider
from zonekeeper.wiring import Wiring, build

NLB = "k8s-default-web-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"
ALB = "k8s-shop-1234567890.us-east-1.elb.amazonaws.com"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def zone(route53: StrictRoute53Server) -> Iterator[str]:
    yield route53.create_zone("example.com")


def wire(route53: StrictRoute53Server, records_cache_seconds: float = 0.0, **overrides: Any) -> Wiring:
    settings = Settings.of(aws_endpoint_url=route53.endpoint, txt_owner_id="cluster-a", aws_rate_limit=1000.0,
                           **overrides)
    return build(settings, records_cache_seconds=records_cache_seconds)


def rrsets(route53: StrictRoute53Server, zone_id: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    client = route53.harness
    out = {}
    for page in client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        for r in page["ResourceRecordSets"]:
            out[(r["Name"], r["Type"], r.get("SetIdentifier", ""))] = r
    return out


def svc(name: str, target: str, **kw: Any) -> Endpoint:
    return Endpoint.new(name, kw.pop("rtype", "A" if target[0].isdigit() else "CNAME"), [target],
                        labels={"resource": f"service/default/{name.split('.')[0]}"}, **kw)


def test_create_then_nothing_left_to_do(route53: StrictRoute53Server, zone: str) -> None:
    wired = wire(route53)
    desired = [svc("web.example.com", "10.0.0.1"), svc("api.example.com", "10.0.0.2", ttl=60)]
    result = wired.pipeline.run(desired, apply=True)
    assert result.ok, result.all_problems
    records = rrsets(route53, zone)
    assert records[("web.example.com.", "A", "")]["ResourceRecords"] == [{"Value": "10.0.0.1"}]
    assert records[("web.example.com.", "A", "")]["TTL"] == 300
    assert records[("api.example.com.", "A", "")]["TTL"] == 60
    assert records[("a-web.example.com.", "TXT", "")]["ResourceRecords"] == [
        {"Value": '"heritage=external-dns,external-dns/owner=cluster-a,external-dns/resource=service/default/web"'}
    ]
    again = wire(route53).pipeline.run(desired, apply=True)
    assert again.changes == [] and again.ok
    # The minimal IAM policy of the seeds suffices: no other Route 53 operation is ever called.
    assert set(route53.counts) <= {"ListHostedZones", "ListResourceRecordSets", "ChangeResourceRecordSets"}


def test_load_balancer_hostnames_become_alias_records_even_at_the_apex(route53: StrictRoute53Server,
                                                                      zone: str) -> None:
    wired = wire(route53, txt_prefix="_zk.%{record_type}.")
    desired = [svc("web.example.com", NLB), svc("example.com", ALB)]
    assert wired.pipeline.run(desired, apply=True).ok
    records = rrsets(route53, zone)
    web_a = records[("web.example.com.", "A", "")]
    assert web_a["AliasTarget"] == {"HostedZoneId": "Z26RNL4JYFTOTI", "DNSName": NLB + ".",
                                    "EvaluateTargetHealth": True}
    assert ("web.example.com.", "AAAA", "") in records
    assert records[("example.com.", "A", "")]["AliasTarget"]["HostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert not any(t == "CNAME" for (_, t, _) in records)
    assert wire(route53, txt_prefix="_zk.%{record_type}.").pipeline.run(desired, apply=False).changes == []


def test_prefer_cname_and_alias_false_keep_cnames(route53: StrictRoute53Server, zone: str) -> None:
    wired = wire(route53, aws_prefer_cname=True)
    assert wired.pipeline.run([svc("web.example.com", NLB)], apply=True).ok
    assert rrsets(route53, zone)[("web.example.com.", "CNAME", "")]["ResourceRecords"] == [{"Value": NLB}]
    forced = svc("api.example.com", ALB, provider_specific={"alias": "false"})
    assert wire(route53).pipeline.run([svc("web.example.com", NLB), forced], apply=True).ok
    assert ("api.example.com.", "CNAME", "") in rrsets(route53, zone)


def health_check(route53: StrictRoute53Server) -> str:
    return str(route53.harness.create_health_check(CallerReference="zk", HealthCheckConfig={
        "IPAddress": "192.0.2.10", "Port": 80, "Type": "HTTP", "ResourcePath": "/"})["HealthCheck"]["Id"])


def test_weighted_records_round_trip(route53: StrictRoute53Server, zone: str) -> None:
    check = health_check(route53)
    desired = [
        svc("app.example.com", "10.0.0.1", set_identifier="blue", provider_specific={"aws/weight": "80"}),
        svc("app.example.com", "10.0.0.2", set_identifier="green", provider_specific={"aws/weight": "20"}),
        svc("geo.example.com", NLB, set_identifier="eu", provider_specific={"aws/geolocation-continent-code": "EU"}),
        svc("fo.example.com", "10.0.0.3", set_identifier="p",
            provider_specific={"aws/failover": "primary", "aws/health-check-id": check}),
    ]
    wired = wire(route53)
    result = wired.pipeline.run(desired, apply=True)
    assert result.ok, (result.all_problems, [z.failed for z in result.zones])
    records = rrsets(route53, zone)
    assert records[("app.example.com.", "A", "blue")]["Weight"] == 80
    assert records[("a-app.example.com.", "TXT", "green")]["Weight"] == 20
    assert records[("fo.example.com.", "A", "p")]["Failover"] == "PRIMARY"
    assert wire(route53).pipeline.run(desired, apply=False).changes == []


def test_update_and_delete_send_exact_records(route53: StrictRoute53Server, zone: str) -> None:
    wire(route53).pipeline.run([svc("web.example.com", "10.0.0.1")], apply=True)
    result = wire(route53).pipeline.run([svc("web.example.com", "10.0.0.9")], apply=True)
    assert result.ok
    assert rrsets(route53, zone)[("web.example.com.", "A", "")]["ResourceRecords"] == [{"Value": "10.0.0.9"}]
    assert wire(route53).pipeline.run([], apply=True).ok
    assert set(rrsets(route53, zone)) == {("example.com.", "NS", ""), ("example.com.", "SOA", "")}


def test_a_refused_change_is_reported_and_the_rest_applied(route53: StrictRoute53Server, zone: str) -> None:
    wired = wire(route53, records_cache_seconds=3600)
    first = [svc(f"s{i}.example.com", f"10.0.1.{i}") for i in range(6)]
    assert wired.pipeline.run(first, apply=True).ok
    # Someone edits s3 behind our back: our cached view is stale, so its update must fail, alone.
    route53.harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": "s3.example.com.", "Type": "A", "TTL": 300,
                                                  "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})
    second = [svc(f"s{i}.example.com", f"10.0.2.{i}") for i in range(6)]
    result = wired.pipeline.run(second, apply=True)
    failed = [(c.endpoint.name, reason) for c, reason in result.zones[0].failed]
    assert [name for name, _ in failed] == ["s3.example.com"]
    assert "do not match" in failed[0][1] or "not found" in failed[0][1]
    records = rrsets(route53, zone)
    for i in (0, 1, 2, 4, 5):
        assert records[(f"s{i}.example.com.", "A", "")]["ResourceRecords"] == [{"Value": f"10.0.2.{i}"}]
    assert records[("s3.example.com.", "A", "")]["ResourceRecords"] == [{"Value": "192.0.2.1"}]
    # The failure dropped the stale cache; the next pass sees the edit and leaves it alone only if
    # it is no longer ours to change — here it is still ours (TXT intact), so it is corrected.
    assert wired.pipeline.run(second, apply=True).ok
    assert rrsets(route53, zone)[("s3.example.com.", "A", "")]["ResourceRecords"] == [{"Value": "10.0.2.3"}]


def test_unknown_health_check_fails_alone(route53: StrictRoute53Server, zone: str) -> None:
    bad = svc("fo.example.com", "10.0.0.3", set_identifier="p",
              provider_specific={"aws/failover": "PRIMARY", "aws/health-check-id": "abcdef01-2345-6789-abcd-ef0123456789"})
    result = wire(route53).pipeline.run([bad, svc("ok.example.com", "10.0.0.4")], apply=True)
    assert [c.endpoint.name for c, _ in result.zones[0].failed] == ["fo.example.com"]
    assert "health check" in result.zones[0].failed[0][1]
    assert ("ok.example.com.", "A", "") in rrsets(route53, zone)


def test_throttling_is_retried_and_counted(route53: StrictRoute53Server, zone: str) -> None:
    wired = wire(route53)
    route53.set_rate_limit(2.0, burst=1)
    result = wired.pipeline.run([svc(f"t{i}.example.com", f"10.0.3.{i}") for i in range(3)], apply=True)
    assert result.ok
    provider = wired.provider
    assert isinstance(provider, Route53Provider)
    assert route53.throttled >= 1
    assert provider.calls[("ListResourceRecordSets", "throttled")] + provider.calls[
        ("ChangeResourceRecordSets", "throttled")] + provider.calls[("ListHostedZones", "throttled")] >= 1


def _paced(route53: StrictRoute53Server, allowed: float, metrics: Metrics | None = None,
           **overrides: Any) -> Route53Provider:
    settings = Settings.of(aws_endpoint_url=route53.endpoint, txt_owner_id="cluster-a", aws_rate_limit=20.0,
                           aws_batch_change_size=2, **overrides)
    wired = build(settings)
    if metrics is not None:
        wired.provider.metrics = metrics
    names = [svc(f"p{i}.example.com", f"10.0.4.{i}") for i in range(4)]
    route53.set_rate_limit(allowed, burst=1)
    assert wired.pipeline.run(names, apply=True).ok
    provider = wired.provider
    assert isinstance(provider, Route53Provider)
    assert route53.throttled >= 1
    return provider


def test_throttling_lowers_the_adaptive_rate(route53: StrictRoute53Server, zone: str) -> None:
    # Up to 20/s (slow start from 1/s, doubling) against an account that allows 1/s: Throttling
    # answers bring the rate down.
    metrics = Metrics()
    bucket = _paced(route53, 1.0, metrics).accounts[0].bucket
    assert bucket is not None
    assert bucket.rate < 1.0
    assert metrics.registry.get_sample_value("zonekeeper_route53_api_rate", {"account": "default"}) == bucket.rate


def test_a_fixed_rate_stays_fixed(route53: StrictRoute53Server, zone: str) -> None:
    bucket = _paced(route53, 3.0, aws_rate_limit_adaptive=False).accounts[0].bucket
    assert bucket is not None
    assert bucket.rate == 20.0


def test_zone_selection(route53: StrictRoute53Server) -> None:
    parent = route53.create_zone("example.com")
    child = route53.create_zone("dev.example.com")
    private = route53.create_zone("example.com", private=True)
    route53.create_zone("other.org", tags={"team": "x"})
    desired = [svc("a.dev.example.com", "10.0.0.1"), svc("b.example.com", "10.0.0.2"), svc("c.nowhere.net", "10.0.0.3")]
    result = wire(route53).pipeline.run(desired, apply=True)
    assert ("a.dev.example.com.", "A", "") in rrsets(route53, child)
    assert ("a.dev.example.com.", "A", "") not in rrsets(route53, parent)
    # Private zones get every name they match.
    assert ("a.dev.example.com.", "A", "") in rrsets(route53, private)
    assert ("b.example.com.", "A", "") in rrsets(route53, parent)
    assert [p.reason for p in result.all_problems] == ["NoMatchingZone"]
    public_only = wire(route53, aws_zone_type="public")
    assert private not in {z.id for z in public_only.provider.zones()}
    tagged = wire(route53, aws_zone_tags=("team=x",))
    assert [z.name for z in tagged.provider.zones()] == ["other.org"]
    by_id = wire(route53, zone_id_filter=(child,))
    assert [z.id for z in by_id.provider.zones()] == [child]
    filtered = wire(route53, domain_filter=("dev.example.com",))
    assert {z.id for z in filtered.provider.zones()} == {child}


def test_zone_id_filter_matches_like_external_dns(route53: StrictRoute53Server) -> None:
    parent = route53.create_zone("example.com")
    child = route53.create_zone("dev.example.com")
    for written in (child, f"/hostedzone/{child}", f"hostedzone/{child}"):
        assert [z.id for z in wire(route53, zone_id_filter=(written,)).provider.zones()] == [child], written
    # A suffix of the full id, as external-dns compares: junk before the id does not match.
    assert wire(route53, zone_id_filter=(f"/other/{child}",)).provider.zones() == []
    # An empty entry beside a real id does not widen the filter to every zone.
    assert [z.id for z in wire(route53, zone_id_filter=("", parent)).provider.zones()] == [parent]


def test_zone_id_filter_ending_in_a_slash_is_refused(route53: StrictRoute53Server) -> None:
    route53.create_zone("example.com")
    child = route53.create_zone("dev.example.com")
    # It can match no zone id; an earlier zonekeeper kept every zone instead (external-dns keeps none).
    with pytest.raises(ConfigError, match=rf"--zone-id-filter '/hostedzone/{child}/' ends with '/'.*'{child}'"):
        wire(route53, zone_id_filter=(f"/hostedzone/{child}/",))


def test_steady_state_costs_no_calls_with_cache(route53: StrictRoute53Server, zone: str) -> None:
    wired = wire(route53, records_cache_seconds=3600)
    desired = [svc(f"c{i}.example.com", f"10.0.4.{i}") for i in range(20)]
    assert wired.pipeline.run(desired, apply=True).ok
    route53.reset_counts()
    assert wired.pipeline.run(desired, apply=True).changes == []
    assert sum(route53.counts.values()) == 0


def test_preload_lists_every_zone_once_for_the_first_pass(route53: StrictRoute53Server, zone: str) -> None:
    route53.create_zone("example.org")
    wired = wire(route53, records_cache_seconds=3600)
    route53.reset_counts()
    wired.provider.preload()
    assert route53.counts.get("ListResourceRecordSets") == 2
    route53.reset_counts()
    result = wired.pipeline.run([svc("c1.example.com", "10.0.4.1")], apply=False)
    assert result.ok and len(result.changes) == 1
    assert "ListResourceRecordSets" not in route53.counts  # the pass read what the preload listed


def test_preload_reads_nothing_when_every_read_lists_again(route53: StrictRoute53Server, zone: str) -> None:
    # --aws-records-cache-duration=0: what the preload read would be listed again by the first pass.
    wired = wire(route53, records_cache_seconds=0)
    wired.provider.zones()
    route53.reset_counts()
    wired.provider.preload()
    assert route53.counts == {}


def test_assume_role_on_top_of_the_default_chain(route53: StrictRoute53Server, zone: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", route53.endpoint)  # moto serves STS on the same endpoint
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    wired = wire(route53, aws_assume_role="arn:aws:iam::123456789012:role/zonekeeper",
                 aws_assume_role_external_id="ext-1")
    assert [z.name for z in wired.provider.zones()] == ["example.com"]
    credentials = wired.provider.accounts[0].client._request_signer._credentials  # type: ignore[attr-defined]
    assert credentials.method == "assume-role"
    assert credentials.get_frozen_credentials().access_key.startswith("ASIA")  # temporary, from STS


def test_a_unicode_hostname_lands_in_its_punycode_zone(route53: StrictRoute53Server) -> None:
    # provider/zonefinder_test.go (external-dns v0.23.0): example.testécassé.fr is in xn--testcass-e1ae.fr.
    zone_id = route53.create_zone("xn--testcass-e1ae.fr")
    wired = wire(route53)
    result = wired.pipeline.run([svc("example.testécassé.fr", "10.0.0.1")], apply=True)
    assert result.ok and result.all_problems == [], result.all_problems
    records = rrsets(route53, zone_id)
    assert records[("example.xn--testcass-e1ae.fr.", "A", "")]["ResourceRecords"] == [{"Value": "10.0.0.1"}]
    assert ("a-example.xn--testcass-e1ae.fr.", "TXT", "") in records
    # Read back in the same form: nothing left to do.
    assert wired.pipeline.run([svc("example.testécassé.fr", "10.0.0.1")], apply=False).changes == []


class _Requests:
    """Collects what the provider reports through its CallMetrics sink (a plain list, no Prometheus)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.requests: list[HttpRequest] = []

    def observe_api_call(self, operation: str, outcome: str, account: str = "default") -> None:
        self.calls.append((operation, outcome))

    def observe_api_rate(self, account: str, rate: float) -> None:
        pass

    def observe_http_request(self, request: HttpRequest) -> None:
        self.requests.append(request)


def test_every_http_attempt_is_timed_with_its_url_method_and_status(route53: StrictRoute53Server, zone: str) -> None:
    wired = wire(route53)
    sink = _Requests()
    wired.provider.metrics = sink
    wired.pipeline.run([svc("a.example.com", "10.0.0.1")], apply=True)
    assert sink.requests and len(sink.requests) == len(sink.calls)
    endpoint = route53.endpoint.split("://", 1)
    seen = {(r.scheme, r.host, r.method, r.status, r.path.rsplit("/", 1)[-1]) for r in sink.requests}
    assert (endpoint[0], endpoint[1], "GET", "200", "hostedzone") in seen  # ListHostedZones
    # ChangeResourceRecordSets posts to .../rrset/: its last path segment is empty, for external-dns too.
    assert (endpoint[0], endpoint[1], "POST", "200", "") in seen
    assert all(r.seconds >= 0 and "?" not in r.path for r in sink.requests)
