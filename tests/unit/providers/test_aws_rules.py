"""The AWS rules on plain data: an endpoint and a zone in, the adjusted record sets or a Problem out.

Every refusal the rules can give is asserted word for word; expected values are written by hand from
Route 53's API (ResourceRecordSet constraints) and external-dns's AWS provider, not computed by the
code under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.providers.aws_rules import (
    RuleOptions,
    adjust_endpoint,
    alias_types,
    routing_policies,
    spelled_properties,
    wants_alias,
)
from zonekeeper.providers.base import Zone

ZONE = Zone(id="Z0EXAMPLE", name="example.com")
OPTIONS = RuleOptions()
ELB = "k8s-web-1234567890.us-east-1.elb.amazonaws.com"  # ALB/CLB in us-east-1: Z35SXDOTRQ7X7K
RESOURCE = {"resource": "ingress/default/web"}


def ep(name: str, rtype: str, targets: list[str], **kw: Any) -> Endpoint:
    return Endpoint.new(name, rtype, targets, labels=kw.pop("labels", RESOURCE), **kw)


def refused(e: Endpoint, options: RuleOptions = OPTIONS) -> str:
    out = adjust_endpoint(ZONE, e, options)
    assert isinstance(out, Problem), out
    assert (out.subject, out.reason) == ("ingress/default/web", "UnsupportedRecord")
    return out.message


def adjusted(e: Endpoint, options: RuleOptions = OPTIONS) -> tuple[Endpoint, ...]:
    out = adjust_endpoint(ZONE, e, options)
    assert not isinstance(out, Problem), out
    return out


# --- every refusal -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "value", "why"),
    [
        ("aws/weight", "heavy", "want an integer from 0 to 255"),
        ("aws/weight", "256", "want an integer from 0 to 255"),
        ("aws/weight", "-1", "want an integer from 0 to 255"),
        ("aws/failover", "TERTIARY", "want PRIMARY or SECONDARY"),
        ("aws/geoproximity-coordinates", "north", "want 'latitude,longitude' with latitude within ±90 and "
                                                  "longitude within ±180"),
        ("aws/geoproximity-coordinates", "91,0", "want 'latitude,longitude' with latitude within ±90 and "
                                                 "longitude within ±180"),
        ("aws/geoproximity-bias", "100", "want an integer from -99 to 99"),
        ("alias", "maybe", "want true, false, A or AAAA"),
        ("aws/evaluate-target-health", "perhaps", "want true or false"),
    ],
)
def test_a_value_the_annotation_rules_refuse_is_refused_with_their_reason(prop: str, value: str, why: str) -> None:
    e = ep("web.example.com", "A", ["192.0.2.1"], set_identifier="blue", provider_specific={prop: value})
    assert refused(e) == f"web.example.com A [blue]: {prop} '{value}': {why}"


def test_a_set_identifier_needs_a_routing_policy() -> None:
    assert refused(ep("web.example.com", "A", ["192.0.2.1"], set_identifier="blue")) == (
        "web.example.com A [blue]: set identifier 'blue' needs a routing policy annotation (aws-weight, aws-region, "
        "aws-failover, aws-geolocation-*, aws-geoproximity-* or aws-multi-value-answer)")


def test_a_routing_policy_needs_a_set_identifier() -> None:
    e = ep("web.example.com", "A", ["192.0.2.1"], provider_specific={"aws/geolocation-country-code": "DE"})
    assert refused(e) == "web.example.com A: routing policy geolocation needs a set-identifier"


def test_one_routing_policy_per_record() -> None:
    e = ep("web.example.com", "A", ["192.0.2.1"], set_identifier="blue",
           provider_specific={"aws/geoproximity-region": "us-east-1", "aws/multi-value-answer": "true",
                              "aws/weight": "1"})
    assert refused(e) == ("web.example.com A [blue]: only one routing policy per record, got aws/weight, "
                          "aws/multi-value-answer, geoproximity")


def test_no_cname_at_the_apex() -> None:
    assert refused(ep("example.com", "CNAME", ["www.example.org"])) == (
        "example.com CNAME: a CNAME is not permitted at the zone apex; point it at an AWS load balancer (alias) "
        "or an IP address")


def test_a_cname_has_one_target() -> None:
    assert refused(ep("web.example.com", "CNAME", ["a.example.org", "b.example.org"])) == (
        "web.example.com CNAME: a CNAME has exactly one target, got 2")
    assert refused(ep("web.example.com", "CNAME", [])) == "web.example.com CNAME: a CNAME has exactly one target, got 0"


def test_a_record_has_targets() -> None:
    assert refused(ep("web.example.com", "TXT", [])) == "web.example.com TXT: no targets"


def test_an_alias_has_one_target() -> None:
    two = ep("web.example.com", "A", ["a.example.com", "b.example.com"], provider_specific={"alias": "true"})
    assert refused(two) == "web.example.com A: an alias record has exactly one target, got a.example.com, b.example.com"
    none = ep("web.example.com", "AAAA", [], provider_specific={"alias": "AAAA"})
    assert refused(none) == "web.example.com AAAA: an alias record has exactly one target, got none"


def test_an_alias_target_must_have_a_known_hosted_zone() -> None:
    e = ep("web.example.com", "CNAME", ["origin.example.org"], provider_specific={"alias": "true"})
    assert refused(e) == ("web.example.com CNAME: alias target origin.example.org is not a known AWS endpoint and "
                          "not in zone example.com; set the aws-target-hosted-zone annotation")


def test_a_refusal_without_a_resource_label_names_the_record() -> None:
    out = adjust_endpoint(ZONE, Endpoint.new("web.example.com", "A", []), OPTIONS)
    assert out == Problem("web.example.com A", "UnsupportedRecord", "web.example.com A: no targets")


def test_routing_is_checked_before_the_record_shape() -> None:
    # Both wrong: the routing refusal is the one reported.
    e = ep("example.com", "CNAME", ["www.example.org"], provider_specific={"aws/weight": "1"})
    assert refused(e) == "example.com CNAME: routing policy aws/weight needs a set-identifier"


# --- property spellings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "spelled"),
    [
        ({"aws/weight": " 007 "}, {"aws/weight": "7"}),
        ({"aws/failover": "Primary"}, {"aws/failover": "PRIMARY"}),
        ({"aws/multi-value-answer": "false"}, {}),
        ({"aws/multi-value-answer": "yes"}, {"aws/multi-value-answer": "true"}),  # presence means on
        ({"aws/multi-value-answer": ""}, {"aws/multi-value-answer": "true"}),
        ({"aws/geoproximity-coordinates": "49.2, -123.1"},
         {"aws/geoproximity-coordinates": "49.2,-123.1", "aws/geoproximity-bias": "0"}),
        ({"aws/geoproximity-local-zone-group": "us-east-1-bos-1"},
         {"aws/geoproximity-local-zone-group": "us-east-1-bos-1", "aws/geoproximity-bias": "0"}),
        ({"aws/geoproximity-region": "us-west-2", "aws/geoproximity-bias": "+09"},
         {"aws/geoproximity-region": "us-west-2", "aws/geoproximity-bias": "9"}),
        ({"aws/geoproximity-bias": ""}, {"aws/geoproximity-bias": "0"}),
        ({"aws/geolocation-continent-code": "EU", "aws/geolocation-country-code": "DE",
          "aws/geolocation-subdivision-code": "BY"}, {"aws/geolocation-continent-code": "EU"}),
        ({"aws/geolocation-country-code": "US", "aws/geolocation-subdivision-code": "CA"},
         {"aws/geolocation-country-code": "US", "aws/geolocation-subdivision-code": "CA"}),
        ({"aws/health-check-id": ""}, {}),
        ({"aws/health-check-id": "hc-1"}, {"aws/health-check-id": "hc-1"}),
        ({"aws/region": "eu-west-1"}, {"aws/region": "eu-west-1"}),
        ({"alias": "a", "aws/evaluate-target-health": "FALSE"}, {"alias": "A", "aws/evaluate-target-health": "false"}),
        ({"aws/target-hosted-zone": "/hostedzone/Z1"}, {"aws/target-hosted-zone": "/hostedzone/Z1"}),
        ({"aws/not-a-thing": "x", "kubernetes/other": "y"}, {}),
    ],
)
def test_properties_get_one_spelling(given: dict[str, str], spelled: dict[str, str]) -> None:
    assert spelled_properties(given) == spelled


def test_routing_policies_in_a_fixed_order_each_once() -> None:
    assert routing_policies({}) == ()
    assert routing_policies({"aws/health-check-id": "x", "alias": "true"}) == ()
    assert routing_policies({"aws/geolocation-subdivision-code": "CA", "aws/geolocation-country-code": "US",
                             "aws/region": "us-east-1"}) == ("aws/region", "geolocation")
    assert routing_policies({"aws/geoproximity-bias": "0", "aws/failover": "PRIMARY", "aws/weight": "1",
                             "aws/multi-value-answer": "true"}) == (
        "aws/weight", "aws/failover", "aws/multi-value-answer", "geoproximity")


# --- alias or not ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rtype", "target", "props", "prefer_cname", "alias"),
    [
        ("CNAME", ELB, {}, False, True),  # an AWS service hostname
        ("CNAME", ELB, {}, True, False),  # ... unless CNAMEs are preferred
        ("CNAME", ELB, {"alias": "true"}, True, True),  # ... which the annotation overrides
        ("CNAME", ELB, {"alias": "false"}, False, False),
        ("CNAME", "www.example.org", {}, False, False),
        ("CNAME", "www.example.org", {"aws/target-hosted-zone": "Z1"}, False, True),
        ("CNAME", "www.example.org", {"aws/target-hosted-zone": "Z1"}, True, False),
        ("CNAME", "www.example.org", {"alias": "AAAA"}, False, True),
        ("A", ELB, {}, False, False),  # an A record is an alias only when asked
        ("A", "origin.example.com", {"alias": "true"}, False, True),
        ("AAAA", "origin.example.com", {"alias": "A"}, False, True),
        ("TXT", "origin.example.com", {"alias": "true"}, False, False),
    ],
)
def test_when_a_record_becomes_an_alias(rtype: str, target: str, props: dict[str, str], prefer_cname: bool,
                                        alias: bool) -> None:
    e = Endpoint.new("web.example.com", rtype, [target])
    assert wants_alias(e, props, RuleOptions(prefer_cname=prefer_cname)) is alias


def test_a_cname_without_targets_is_no_automatic_alias() -> None:
    assert wants_alias(Endpoint.new("web.example.com", "CNAME", []), {}, OPTIONS) is False


@pytest.mark.parametrize(
    ("rtype", "mode", "types"),
    [("A", "true", ("A",)), ("AAAA", "true", ("AAAA",)), ("CNAME", "true", ("A", "AAAA")), ("CNAME", None, ("A", "AAAA")),
     ("CNAME", "A", ("A",)), ("CNAME", "AAAA", ("AAAA",)), ("AAAA", "A", ("A",)), ("A", "AAAA", ("AAAA",))],
)
def test_alias_types(rtype: str, mode: str | None, types: tuple[str, ...]) -> None:
    assert alias_types(rtype, mode) == types


# --- what comes out --------------------------------------------------------------------------------


def test_a_plain_record_gets_the_default_ttl_and_loses_alias_properties() -> None:
    e = ep("web.example.com", "A", ["192.0.2.1"],
           provider_specific={"aws/target-hosted-zone": "Z1", "aws/evaluate-target-health": "true", "alias": "false"})
    assert adjusted(e, RuleOptions(default_ttl=120)) == (
        Endpoint.new("web.example.com", "A", ["192.0.2.1"], ttl=120, labels=RESOURCE),)
    assert adjusted(ep("web.example.com", "A", ["192.0.2.1"], ttl=30))[0].ttl == 30


def test_txt_and_spf_values_are_quoted_and_sorted() -> None:
    [txt] = adjusted(ep("t.example.com", "TXT", ["zeta", '"alpha"', '""']))
    assert txt.targets == ('""', '"alpha"', '"zeta"')  # an empty quoted string is already quoted
    [spf] = adjusted(ep("t.example.com", "SPF", ["v=spf1 -all"]))
    assert spf.targets == ('"v=spf1 -all"',)


def test_a_cname_to_a_load_balancer_becomes_an_a_and_aaaa_alias_without_ttl() -> None:
    out = adjusted(ep("web.example.com", "CNAME", [ELB], ttl=60, set_identifier="blue",
                      provider_specific={"aws/weight": "10"}))
    props = {"alias": "true", "aws/evaluate-target-health": "true", "aws/target-hosted-zone": "Z35SXDOTRQ7X7K",
             "aws/weight": "10"}
    assert out == tuple(Endpoint.new("web.example.com", t, [ELB], set_identifier="blue", provider_specific=props,
                                     labels=RESOURCE) for t in ("A", "AAAA"))


def test_an_alias_into_the_zone_itself_uses_the_zone_id_and_the_health_default() -> None:
    [a] = adjusted(ep("web.example.com", "A", ["origin.example.com"], provider_specific={"alias": "true"}),
                   RuleOptions(evaluate_target_health=False))
    assert dict(a.provider_specific) == {"alias": "true", "aws/evaluate-target-health": "false",
                                         "aws/target-hosted-zone": "Z0EXAMPLE"}


def test_an_explicit_target_zone_wins_and_loses_its_prefix() -> None:
    [a, aaaa] = adjusted(ep("web.example.com", "CNAME", [ELB], provider_specific={
        "aws/target-hosted-zone": "/hostedzone/Z2FDTNDATAQYW2", "aws/evaluate-target-health": "false"}))
    assert a.prop("aws/target-hosted-zone") == aaaa.prop("aws/target-hosted-zone") == "Z2FDTNDATAQYW2"
    assert a.prop("aws/evaluate-target-health") == "false"
