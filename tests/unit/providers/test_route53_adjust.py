"""The Route 53 provider's pure parts: what it refuses before any request, how it shapes desired
endpoints (TTL default, alias conversion, routing values), and the record-set translation both ways.

Expected values are written by hand from Route 53's API (ChangeResourceRecordSets / ResourceRecordSet
shapes) and external-dns's AWS provider behaviour, never computed by the code under test. `adjust`
makes no request: the boto3 client points at a closed port and is never called.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
import pytest

from zonekeeper.endpoint import Endpoint
from zonekeeper.providers.aws_rules import quote_txt
from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53 import Route53Options, Route53Provider
from zonekeeper.providers.route53.errors import split_messages
from zonekeeper.providers.route53.rrsets import endpoint_from_rrset, rrset_from_endpoint
from zonekeeper.providers.route53.rrsets import unescape as _unescape

ZONE = Zone(id="Z0EXAMPLE", name="example.com")
ELB_US_EAST_1 = "k8s-web-1234567890.us-east-1.elb.amazonaws.com"  # ALB/CLB shape: Z35SXDOTRQ7X7K
NLB_EU_WEST_1 = "k8s-web-0123456789abcdef.elb.eu-west-1.amazonaws.com"  # NLB shape: Z2IFOLAFXWLO4F
RESOURCE = {"resource": "service/default/web"}


@functools.cache
def _client() -> Any:
    return boto3.client("route53", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                        aws_access_key_id="unused", aws_secret_access_key="unused")


def provider(**options: Any) -> Route53Provider:
    return Route53Provider(_client(), Route53Options(**options))


def ep(name: str, rtype: str, targets: list[str], **kw: Any) -> Endpoint:
    return Endpoint.new(name, rtype, targets, labels=kw.pop("labels", RESOURCE), **kw)


def adjust_one(e: Endpoint, **options: Any) -> list[Endpoint]:
    out, problems = provider(**options).adjust(ZONE, [e])
    assert problems == []
    return out


def refusal(e: Endpoint, **options: Any) -> str:
    out, problems = provider(**options).adjust(ZONE, [e])
    assert out == []
    assert [(p.subject, p.reason) for p in problems] == [(e.resource or str(e.key), "UnsupportedRecord")]
    assert problems[0].message.startswith(f"{e.key}: ")
    return problems[0].message


# --- refusals ------------------------------------------------------------------------------------------


def test_set_identifier_without_a_routing_policy_is_refused() -> None:
    message = refusal(ep("web.example.com", "A", ["192.0.2.1"], set_identifier="blue"))
    assert "set identifier 'blue' needs a routing policy annotation" in message


def test_routing_policy_without_a_set_identifier_is_refused() -> None:
    message = refusal(ep("web.example.com", "A", ["192.0.2.1"], provider_specific={"aws/weight": "10"}))
    assert message == "web.example.com A: routing policy aws/weight needs a set-identifier"


@pytest.mark.parametrize(
    ("props", "policy"),
    [
        ({"aws/region": "eu-west-1"}, "aws/region"),
        ({"aws/failover": "PRIMARY"}, "aws/failover"),
        ({"aws/multi-value-answer": "true"}, "aws/multi-value-answer"),
        ({"aws/geolocation-country-code": "DE"}, "geolocation"),
        ({"aws/geolocation-continent-code": "EU"}, "geolocation"),
        ({"aws/geolocation-subdivision-code": "CA"}, "geolocation"),
        ({"aws/geoproximity-region": "us-east-1"}, "geoproximity"),
        ({"aws/geoproximity-local-zone-group": "us-east-1-bos-1"}, "geoproximity"),
        ({"aws/geoproximity-coordinates": "49.2,-123.1"}, "geoproximity"),
        ({"aws/geoproximity-bias": "10"}, "geoproximity"),
    ],
)
def test_every_routing_policy_needs_a_set_identifier(props: dict[str, str], policy: str) -> None:
    message = refusal(ep("web.example.com", "A", ["192.0.2.1"], provider_specific=props))
    assert message.endswith(f"routing policy {policy} needs a set-identifier")


def test_two_routing_policies_are_refused() -> None:
    e = ep("web.example.com", "A", ["192.0.2.1"], set_identifier="blue",
           provider_specific={"aws/weight": "10", "aws/region": "eu-west-1"})
    assert refusal(e).endswith("only one routing policy per record, got aws/weight, aws/region")
    e = ep("web.example.com", "A", ["192.0.2.1"], set_identifier="blue",
           provider_specific={"aws/failover": "PRIMARY", "aws/geolocation-country-code": "DE",
                              "aws/geoproximity-region": "us-east-1"})
    assert refusal(e).endswith("only one routing policy per record, got aws/failover, geolocation, geoproximity")


def test_multi_value_answer_false_is_no_policy_so_the_set_identifier_is_refused() -> None:
    e = ep("web.example.com", "A", ["192.0.2.1"], set_identifier="blue",
           provider_specific={"aws/multi-value-answer": "false"})
    assert "needs a routing policy annotation" in refusal(e)


def test_cname_at_the_apex_is_refused_unless_it_becomes_an_alias() -> None:
    message = refusal(ep("example.com", "CNAME", ["www.example.org"]))
    assert "a CNAME is not permitted at the zone apex" in message
    # To a load balancer it becomes an alias A/AAAA pair, which the apex may hold.
    assert [e.type for e in adjust_one(ep("example.com", "CNAME", [ELB_US_EAST_1]))] == ["A", "AAAA"]


def test_cname_with_several_targets_is_refused() -> None:
    message = refusal(ep("web.example.com", "CNAME", ["a.example.org", "b.example.org"]))
    assert message.endswith("a CNAME has exactly one target, got 2")


def test_record_without_targets_is_refused() -> None:
    assert refusal(ep("web.example.com", "A", [])).endswith("no targets")


def test_alias_with_several_targets_is_refused() -> None:
    e = ep("web.example.com", "A", ["a.example.org", "b.example.org"], provider_specific={"alias": "true"})
    assert refusal(e).endswith("an alias record has exactly one target, got a.example.org, b.example.org")
    e = ep("web.example.com", "A", [], provider_specific={"alias": "true"})
    assert refusal(e).endswith("an alias record has exactly one target, got none")


def test_alias_to_an_unknown_name_outside_the_zone_is_refused() -> None:
    e = ep("web.example.com", "A", ["origin.example.org"], provider_specific={"alias": "true"})
    message = refusal(e)
    assert "alias target origin.example.org is not a known AWS endpoint and not in zone example.com" in message
    assert "aws-target-hosted-zone" in message


def test_one_refused_endpoint_does_not_stop_the_others() -> None:
    bad = ep("bad.example.com", "A", ["192.0.2.9"], set_identifier="x")
    good = ep("good.example.com", "A", ["192.0.2.1"])
    out, problems = provider().adjust(ZONE, [bad, good])
    assert [e.name for e in out] == ["good.example.com"]
    assert [p.subject for p in problems] == ["service/default/web"]


def test_a_refusal_without_a_resource_names_the_record() -> None:
    e = Endpoint.new("bad.example.com", "A", ["192.0.2.9"], set_identifier="x")
    _, problems = provider().adjust(ZONE, [e])
    assert [p.subject for p in problems] == ["bad.example.com A [x]"]


# --- shaping -------------------------------------------------------------------------------------------


def test_plain_records_get_the_default_ttl_and_keep_an_explicit_one() -> None:
    assert adjust_one(ep("web.example.com", "A", ["192.0.2.1"]))[0].ttl == 300
    assert adjust_one(ep("web.example.com", "A", ["192.0.2.1"], ttl=60))[0].ttl == 60


def test_plain_record_keeps_name_type_targets_and_drops_alias_properties() -> None:
    e = ep("web.example.com", "CNAME", ["www.example.org"],
           provider_specific={"alias": "false", "aws/evaluate-target-health": "true",
                              "aws/target-hosted-zone": "Z1", "kubernetes/something": "x"})
    [out] = adjust_one(e)
    assert (out.name, out.type, out.targets, out.ttl) == ("web.example.com", "CNAME", ("www.example.org",), 300)
    assert out.provider_specific == ()
    assert out.labels == e.labels


def test_txt_values_are_quoted_and_sorted() -> None:
    [out] = adjust_one(ep("web.example.com", "TXT", ["b text", '"already quoted"', 'say "hi"']))
    assert out.targets == ('"already quoted"', '"b text"', '"say \\"hi\\""')
    [spf] = adjust_one(ep("example.com", "SPF", ["v=spf1 -all"]))
    assert spf.targets == ('"v=spf1 -all"',)


def test_other_types_are_not_quoted() -> None:
    [out] = adjust_one(ep("web.example.com", "MX", ["10 mail.example.com"]))
    assert out.targets == ("10 mail.example.com",)


def test_cname_to_a_load_balancer_becomes_an_alias_a_and_aaaa() -> None:
    out = adjust_one(ep("web.example.com", "CNAME", [ELB_US_EAST_1], ttl=60))
    assert [(e.type, e.ttl, e.targets) for e in out] == [("A", 0, (ELB_US_EAST_1,)), ("AAAA", 0, (ELB_US_EAST_1,))]
    for e in out:
        assert dict(e.provider_specific) == {"alias": "true", "aws/evaluate-target-health": "true",
                                             "aws/target-hosted-zone": "Z35SXDOTRQ7X7K"}
        assert e.labels == (("resource", "service/default/web"),)


def test_nlb_alias_uses_the_nlb_zone() -> None:
    [a, _] = adjust_one(ep("web.example.com", "CNAME", [NLB_EU_WEST_1]))
    assert a.prop("aws/target-hosted-zone") == "Z2IFOLAFXWLO4F"


def test_prefer_cname_keeps_a_cname_to_a_load_balancer() -> None:
    [out] = adjust_one(ep("web.example.com", "CNAME", [ELB_US_EAST_1]), prefer_cname=True)
    assert (out.type, out.ttl, out.provider_specific) == ("CNAME", 300, ())
    # An explicit alias annotation still wins over the preference.
    out2 = adjust_one(ep("web.example.com", "CNAME", [ELB_US_EAST_1], provider_specific={"alias": "true"}),
                      prefer_cname=True)
    assert [e.type for e in out2] == ["A", "AAAA"]


def test_cname_with_alias_false_stays_a_cname() -> None:
    [out] = adjust_one(ep("web.example.com", "CNAME", [ELB_US_EAST_1], provider_specific={"alias": "false"}))
    assert out.type == "CNAME"


def test_cname_with_a_target_hosted_zone_becomes_an_alias() -> None:
    out = adjust_one(ep("web.example.com", "CNAME", ["d111111abcdef8.example.net"],
                        provider_specific={"aws/target-hosted-zone": "/hostedzone/Z2FDTNDATAQYW2"}))
    assert [e.type for e in out] == ["A", "AAAA"]
    assert out[0].prop("aws/target-hosted-zone") == "Z2FDTNDATAQYW2"  # the /hostedzone/ prefix is dropped


def test_alias_type_selects_a_or_aaaa_only() -> None:
    only_a = adjust_one(ep("web.example.com", "CNAME", [ELB_US_EAST_1], provider_specific={"alias": "A"}))
    assert [e.type for e in only_a] == ["A"]
    assert only_a[0].prop("alias") == "true"
    only_aaaa = adjust_one(ep("web.example.com", "CNAME", [ELB_US_EAST_1], provider_specific={"alias": "AAAA"}))
    assert [e.type for e in only_aaaa] == ["AAAA"]


def test_a_record_with_alias_true_is_one_alias_a() -> None:
    [out] = adjust_one(ep("web.example.com", "A", [ELB_US_EAST_1], provider_specific={"alias": "true"}))
    assert (out.type, out.ttl, out.prop("aws/target-hosted-zone")) == ("A", 0, "Z35SXDOTRQ7X7K")
    [aaaa] = adjust_one(ep("web.example.com", "AAAA", [ELB_US_EAST_1], provider_specific={"alias": "true"}))
    assert aaaa.type == "AAAA"


def test_a_record_without_alias_is_not_aliased_even_to_a_load_balancer_name() -> None:
    [out] = adjust_one(ep("web.example.com", "A", ["192.0.2.1"], provider_specific={"aws/target-hosted-zone": "Z1"}))
    assert (out.type, out.ttl, out.provider_specific) == ("A", 300, ())


def test_alias_to_a_name_in_the_same_zone_uses_the_zone_itself() -> None:
    [a] = adjust_one(ep("web.example.com", "A", ["origin.example.com"], provider_specific={"alias": "true"}))
    assert a.prop("aws/target-hosted-zone") == "Z0EXAMPLE"


def test_evaluate_target_health_follows_the_option_and_the_annotation() -> None:
    cname = ep("web.example.com", "CNAME", [ELB_US_EAST_1])
    assert adjust_one(cname, evaluate_target_health=False)[0].prop("aws/evaluate-target-health") == "false"
    explicit = ep("web.example.com", "CNAME", [ELB_US_EAST_1], provider_specific={"aws/evaluate-target-health": "FALSE"})
    assert adjust_one(explicit)[0].prop("aws/evaluate-target-health") == "false"
    on = ep("web.example.com", "CNAME", [ELB_US_EAST_1], provider_specific={"aws/evaluate-target-health": "True"})
    assert adjust_one(on, evaluate_target_health=False)[0].prop("aws/evaluate-target-health") == "true"


def test_routing_values_get_one_spelling() -> None:
    def props(p: dict[str, str]) -> dict[str, str]:
        return dict(adjust_one(ep("web.example.com", "A", ["192.0.2.1"], set_identifier="s", provider_specific=p))[0]
                    .provider_specific)

    assert props({"aws/weight": "010"}) == {"aws/weight": "10"}
    assert props({"aws/failover": "secondary"}) == {"aws/failover": "SECONDARY"}
    assert props({"aws/multi-value-answer": ""}) == {"aws/multi-value-answer": "true"}
    assert props({"aws/multi-value-answer": "TRUE"}) == {"aws/multi-value-answer": "true"}
    # Route 53 takes a continent or a country, not both: the continent wins, as in external-dns.
    assert props({"aws/geolocation-continent-code": "EU", "aws/geolocation-country-code": "DE",
                  "aws/geolocation-subdivision-code": "BE"}) == {"aws/geolocation-continent-code": "EU"}
    assert props({"aws/geolocation-country-code": "US", "aws/geolocation-subdivision-code": "CA"}) == {
        "aws/geolocation-country-code": "US", "aws/geolocation-subdivision-code": "CA"}
    assert props({"aws/geoproximity-region": "us-east-1"}) == {"aws/geoproximity-region": "us-east-1",
                                                               "aws/geoproximity-bias": "0"}
    assert props({"aws/geoproximity-region": "us-east-1", "aws/geoproximity-bias": "-05"}) == {
        "aws/geoproximity-region": "us-east-1", "aws/geoproximity-bias": "-5"}
    assert props({"aws/geoproximity-region": "us-east-1", "aws/geoproximity-bias": ""})["aws/geoproximity-bias"] == "0"
    assert props({"aws/weight": "1", "aws/health-check-id": ""}) == {"aws/weight": "1"}
    assert props({"aws/weight": "1", "aws/health-check-id": "abc"}) == {"aws/weight": "1", "aws/health-check-id": "abc"}
    assert props({"aws/weight": "1", "aws/not-a-thing": "x", "other/prop": "y"}) == {"aws/weight": "1"}


def test_weighted_alias_keeps_both_the_policy_and_the_alias() -> None:
    out = adjust_one(ep("web.example.com", "CNAME", [ELB_US_EAST_1], set_identifier="blue",
                        provider_specific={"aws/weight": "20"}))
    assert [(e.type, e.set_identifier, dict(e.provider_specific)) for e in out] == [
        (t, "blue", {"alias": "true", "aws/evaluate-target-health": "true", "aws/target-hosted-zone": "Z35SXDOTRQ7X7K",
                     "aws/weight": "20"}) for t in ("A", "AAAA")]


# --- record sets ----------------------------------------------------------------------------------------


ROUND_TRIPS: list[tuple[dict[str, Any], Endpoint]] = [
    ({"Name": "web.example.com.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.2"}, {"Value": "192.0.2.1"}]},
     Endpoint.new("web.example.com", "A", ["192.0.2.1", "192.0.2.2"], ttl=60)),
    ({"Name": "w.example.com.", "Type": "CNAME", "TTL": 300, "SetIdentifier": "blue", "Weight": 20,
      "HealthCheckId": "11111111-2222-3333-4444-555555555555", "ResourceRecords": [{"Value": "x.example.org"}]},
     Endpoint.new("w.example.com", "CNAME", ["x.example.org"], ttl=300, set_identifier="blue",
                  provider_specific={"aws/weight": "20", "aws/health-check-id": "11111111-2222-3333-4444-555555555555"})),
    ({"Name": "r.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "eu", "Region": "eu-west-1",
      "ResourceRecords": [{"Value": "192.0.2.1"}]},
     Endpoint.new("r.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="eu",
                  provider_specific={"aws/region": "eu-west-1"})),
    ({"Name": "f.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "p", "Failover": "PRIMARY",
      "ResourceRecords": [{"Value": "192.0.2.1"}]},
     Endpoint.new("f.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="p",
                  provider_specific={"aws/failover": "PRIMARY"})),
    ({"Name": "m.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m1", "MultiValueAnswer": True,
      "ResourceRecords": [{"Value": "192.0.2.1"}]},
     Endpoint.new("m.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="m1",
                  provider_specific={"aws/multi-value-answer": "true"})),
    ({"Name": "g.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "us-ca",
      "GeoLocation": {"CountryCode": "US", "SubdivisionCode": "CA"}, "ResourceRecords": [{"Value": "192.0.2.1"}]},
     Endpoint.new("g.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="us-ca",
                  provider_specific={"aws/geolocation-country-code": "US",
                                     "aws/geolocation-subdivision-code": "CA"})),
    ({"Name": "g.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "eu",
      "GeoLocation": {"ContinentCode": "EU"}, "ResourceRecords": [{"Value": "192.0.2.1"}]},
     Endpoint.new("g.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="eu",
                  provider_specific={"aws/geolocation-continent-code": "EU"})),
    ({"Name": "p.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "lz",
      "GeoProximityLocation": {"LocalZoneGroup": "us-east-1-bos-1", "Bias": -20},
      "ResourceRecords": [{"Value": "192.0.2.1"}]},
     Endpoint.new("p.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="lz",
                  provider_specific={"aws/geoproximity-local-zone-group": "us-east-1-bos-1",
                                     "aws/geoproximity-bias": "-20"})),
    ({"Name": "p.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "c",
      "GeoProximityLocation": {"Coordinates": {"Latitude": "49.22", "Longitude": "-74.01"}, "Bias": 0},
      "ResourceRecords": [{"Value": "192.0.2.1"}]},
     Endpoint.new("p.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="c",
                  provider_specific={"aws/geoproximity-coordinates": "49.22,-74.01", "aws/geoproximity-bias": "0"})),
    ({"Name": "p.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "r",
      "GeoProximityLocation": {"AWSRegion": "us-west-2", "Bias": 5},
      "ResourceRecords": [{"Value": "192.0.2.1"}]},
     Endpoint.new("p.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="r",
                  provider_specific={"aws/geoproximity-region": "us-west-2", "aws/geoproximity-bias": "5"})),
    ({"Name": "web.example.com.", "Type": "A",
      "AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": ELB_US_EAST_1 + ".", "EvaluateTargetHealth": True}},
     Endpoint.new("web.example.com", "A", [ELB_US_EAST_1],
                  provider_specific={"alias": "true", "aws/evaluate-target-health": "true",
                                     "aws/target-hosted-zone": "Z35SXDOTRQ7X7K"})),
    ({"Name": "web.example.com.", "Type": "AAAA",
      "AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": ELB_US_EAST_1 + ".", "EvaluateTargetHealth": False}},
     Endpoint.new("web.example.com", "AAAA", [ELB_US_EAST_1],
                  provider_specific={"alias": "true", "aws/evaluate-target-health": "false",
                                     "aws/target-hosted-zone": "Z35SXDOTRQ7X7K"})),
    ({"Name": "t.example.com.", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": '"hello"'}]},
     Endpoint.new("t.example.com", "TXT", ['"hello"'], ttl=300)),
]


@pytest.mark.parametrize(("rrset", "endpoint"), ROUND_TRIPS)
def test_record_sets_read_as_endpoints(rrset: dict[str, Any], endpoint: Endpoint) -> None:
    assert endpoint_from_rrset(rrset) == endpoint


@pytest.mark.parametrize(("rrset", "endpoint"), ROUND_TRIPS)
def test_endpoints_written_as_record_sets(rrset: dict[str, Any], endpoint: Endpoint) -> None:
    written = rrset_from_endpoint(endpoint)
    expected = dict(rrset)
    if "ResourceRecords" in expected:
        expected["ResourceRecords"] = sorted(expected["ResourceRecords"], key=lambda r: r["Value"])
    assert written == expected


def test_geoproximity_bias_defaults_to_zero_when_written() -> None:
    e = Endpoint.new("p.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="r",
                     provider_specific={"aws/geoproximity-region": "us-west-2"})
    assert rrset_from_endpoint(e)["GeoProximityLocation"] == {"AWSRegion": "us-west-2", "Bias": 0}
    read = endpoint_from_rrset({"Name": "p.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "r",
                                "GeoProximityLocation": {"AWSRegion": "us-west-2"},
                                "ResourceRecords": [{"Value": "192.0.2.1"}]})
    assert read.prop("aws/geoproximity-bias") == "0"


def test_failover_is_written_upper_case_and_multi_value_only_when_true() -> None:
    e = Endpoint.new("f.example.com", "A", ["192.0.2.1"], ttl=60, set_identifier="p",
                     provider_specific={"aws/failover": "secondary", "aws/multi-value-answer": "false"})
    rrset = rrset_from_endpoint(e)
    assert rrset["Failover"] == "SECONDARY"
    assert "MultiValueAnswer" not in rrset
    assert "MultiValueAnswer" not in rrset_from_endpoint(Endpoint.new("m.example.com", "A", ["192.0.2.1"]))
    assert endpoint_from_rrset({"Name": "m.example.com.", "Type": "A", "TTL": 1, "MultiValueAnswer": False,
                                "ResourceRecords": [{"Value": "192.0.2.1"}]}).provider_specific == ()


def test_alias_evaluate_target_health_defaults_to_true_when_written() -> None:
    e = Endpoint.new("web.example.com", "A", [ELB_US_EAST_1],
                     provider_specific={"alias": "true", "aws/target-hosted-zone": "Z35SXDOTRQ7X7K"})
    assert rrset_from_endpoint(e)["AliasTarget"]["EvaluateTargetHealth"] is True


def test_escaped_names_are_read_back_as_characters() -> None:
    read = endpoint_from_rrset({"Name": "\\052.example.com.", "Type": "A", "TTL": 60,
                                "ResourceRecords": [{"Value": "192.0.2.1"}]})
    assert read.name == "*.example.com"
    assert _unescape("a\\100b.example.com") == "a@b.example.com"  # octal 100 is '@'
    assert _unescape("\\052") == "*"
    assert _unescape("plain.example.com") == "plain.example.com"
    assert _unescape("a\\b") == "a\\b"  # not an escape: kept as it is
    assert _unescape("tail\\05") == "tail\\05"
    assert _unescape("x\\a12y") == "x\\a12y"  # three characters after the backslash, not all digits


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("hello", '"hello"'),
        ('"already"', '"already"'),
        ("", '""'),
        ('a"b', '"a\\"b"'),
        ("back\\slash", '"back\\\\slash"'),
        ('"', '"\\""'),
        ("x" * 255, '"' + "x" * 255 + '"'),
        ("x" * 256, '"' + "x" * 255 + '" "x"'),
        ("y" * 600, '"' + "y" * 255 + '" "' + "y" * 255 + '" "' + "y" * 90 + '"'),
    ],
)
def test_txt_values_are_split_into_quoted_strings_of_255(value: str, quoted: str) -> None:
    assert quote_txt(value) == quoted


def test_invalid_change_batch_messages_are_split() -> None:
    text = ("[Tried to create resource record set [name='a.example.com.', type='A'] but it already exists, "
            "RRSet with DNS name b.example.com. is not permitted in zone example.com., "
            "Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address encountered at 300.1.1.1]")
    assert split_messages(text) == [
        "Tried to create resource record set [name='a.example.com.', type='A'] but it already exists",
        "RRSet with DNS name b.example.com. is not permitted in zone example.com.",
        "Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address encountered at 300.1.1.1",
    ]
    assert split_messages("Tried to delete resource record set [name='c.example.com.', type='A'] but it was not found") == [
        "Tried to delete resource record set [name='c.example.com.', type='A'] but it was not found"]
    # A comma inside one message is not a split point.
    assert split_messages("[RRSet of type CNAME with DNS name x.example.com. is not permitted, sorry]") == [
        "RRSet of type CNAME with DNS name x.example.com. is not permitted, sorry"]
